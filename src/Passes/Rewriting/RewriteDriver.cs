using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The one walk every rewrite pass uses: every graph of the model (subgraphs included, outer graph first),
/// every node in order, asks the rules and applies what they propose through the <see cref="RewriteSession"/>.
/// Nodes added during a sweep are seen by the next one; nodes a patch removed are skipped. The sweep ends
/// early when the session stops (its patch limit is reached).
/// </summary>
public static class RewriteDriver
{
    /// <summary>One sweep: the first rule with something to say about a node decides it.</summary>
    public static IReadOnlyList<RewriteEvent> Sweep(Model model, RewriteSession session, IReadOnlyList<IRewriteRule> rules, bool reverse = false)
    {
        var events = new List<RewriteEvent>();
        foreach (var node in Walk(model, reverse))
        {
            foreach (var rule in rules)
            {
                var proposal = rule.Propose(node);
                if (proposal is null) continue;
                if (proposal.Patch is { } patch)
                {
                    if (!session.TryApply(patch, model)) return events;
                    events.Add(new RewriteEvent(patch, null));
                }
                else events.Add(new RewriteEvent(null, proposal.Refusal));
                break;
            }
        }
        return events;
    }

    /// <summary>Sweeps every graph of <paramref name="model"/> with one <paramref name="rule"/> (see the overload with several rules).</summary>
    public static IReadOnlyList<RewriteEvent> Sweep(Model model, RewriteSession session, IRewriteRule rule, bool reverse = false) =>
        Sweep(model, session, new[] { rule }, reverse);

    /// <summary>
    /// The nodes a sweep visits, in its order: every graph (the outer one first), each graph's nodes as they were
    /// when the walk reached it, skipping those removed since. Reports (<see cref="BatchNormNodes"/>) walk the same way.
    /// </summary>
    public static IEnumerable<Node> Walk(Model model, bool reverse = false)
    {
        foreach (var g in model.Graph.AllGraphs().ToList())
        {
            var nodes = g.Nodes.ToList();
            if (reverse) nodes.Reverse();
            foreach (var node in nodes)
                if (!IsRemoved(node)) yield return node;
        }
    }

    /// <summary>
    /// Sweeps until one changes nothing (a fold can open another), at most <paramref name="maxSweeps"/> times.
    /// Returns every patch applied, then the refusals of the last sweep: the ones that stand.
    /// </summary>
    public static IReadOnlyList<RewriteEvent> SweepUntilSettled(Model model, RewriteSession session, IReadOnlyList<IRewriteRule> rules,
        int maxSweeps, bool reverse = false)
    {
        var applied = new List<RewriteEvent>();
        IReadOnlyList<RewriteEvent> last;
        int sweeps = 0;
        do
        {
            last = Sweep(model, session, rules, reverse);
            applied.AddRange(last.Where(e => e.Applied));
        } while (last.Any(e => e.Applied) && !session.Stopped && ++sweeps < maxSweeps);
        applied.AddRange(last.Where(e => !e.Applied));
        return applied;
    }

    /// <summary>Graph-level patches (a sort, released initializers): one call per graph, subgraphs included.</summary>
    public static int ApplyPerGraph(Model model, RewriteSession session, Func<Graph, IEnumerable<RewritePatch>> propose)
    {
        int applied = 0;
        foreach (var g in model.Graph.AllGraphs().ToList())
            foreach (var patch in propose(g))
            {
                if (!session.TryApply(patch, model)) return applied;
                applied++;
            }
        return applied;
    }

    /// <summary>The pass result of a sweep: modified if a patch applied, and every event's diagnostics in order.</summary>
    public static PassResult Result(IReadOnlyList<RewriteEvent> events) =>
        new(events.Any(e => e.Applied), events.SelectMany(e => e.Diagnostics).ToList());

    // A removed node's outputs no longer name it as their producer (nodes without outputs are never removed by a rule).
    private static bool IsRemoved(Node node) =>
        node.Outputs.Count > 0 && node.Outputs.All(o => o is null || o.Producer != node);
}
