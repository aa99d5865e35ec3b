using System.Diagnostics;
using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// Runs passes in order, optionally repeating the whole list until nothing changes. The passes edit through
/// patches applied by one <see cref="RewriteSession"/> for the whole run, which can stop after
/// <see cref="PipelineOptions.StopAfterPatches"/>. With <see cref="PipelineOptions.Verify"/> it checks
/// <see cref="GraphInvariants"/> after every patch and every pass and that analysis passes left the model
/// byte-identical, so a broken rewrite is named the moment it breaks something.
/// </summary>
public sealed class PassPipeline
{
    private readonly IReadOnlyList<IPass> _passes;
    private readonly PipelineOptions _options;

    /// <summary>A pipeline of <paramref name="passes"/> run in order.</summary>
    public PassPipeline(IEnumerable<IPass> passes, PipelineOptions? options = null)
    {
        _passes = passes.ToList();
        _options = options ?? new PipelineOptions();
        if (_options.MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxIterations must be at least 1");
        if (_options.StopAfterPatches < 0) throw new ArgumentOutOfRangeException(nameof(options), "StopAfterPatches cannot be negative");
    }

    /// <summary>A pipeline of registered passes by name; unknown names are bad input.</summary>
    public static PassPipeline FromNames(IEnumerable<string> names, PipelineOptions? options = null, PassRegistry? registry = null,
        PassSettings? settings = null)
    {
        registry ??= PassRegistry.Default;
        return new PassPipeline(names.Select(n => registry.Create(n, settings)), options);
    }

    /// <summary>The passes, in order.</summary>
    public IReadOnlyList<IPass> Passes => _passes;

    /// <summary>Runs the passes over <paramref name="model"/> (in place), repeated under <see cref="PipelineOptions.FixedPoint"/>.</summary>
    /// <exception cref="InvariantViolationException">Under <see cref="PipelineOptions.Verify"/>, a pass left the graph broken.</exception>
    public PipelineResult Run(Model model)
    {
        var runs = new List<PassRun>();
        var total = Stopwatch.StartNew();
        // Every pass expects sorted nodes and every output must be sorted, so an exporter's out-of-order
        // graph is put in order before anything else (a no-op on a sorted one). Its patches are not counted
        // against StopAfterPatches: stopping after 0 patches still gives a sorted model.
        var sortClock = Stopwatch.StartNew();
        var sorted = new TopologicalSortPass().Run(model);
        if (sorted.Modified)
            runs.Add(new PassRun(TopologicalSortPass.PassName, 0, true, sortClock.Elapsed,
                sorted.Diagnostics.Select(d => d with { Pass = TopologicalSortPass.PassName }).ToList()));
        if (_options.Verify) GraphInvariants.Check(model);
        var session = new RewriteSession(_options.StopAfterPatches, _options.Verify);
        int iteration = 0;
        bool changed;
        do
        {
            iteration++;
            changed = false;
            foreach (var pass in _passes)
            {
                byte[]? before = _options.Verify && pass.IsAnalysis ? ModelSaver.ToBytes(model) : null;
                var sw = Stopwatch.StartNew();
                session.CurrentPass = pass.Name;
                var result = pass.Run(model, session);
                sw.Stop();
                if (_options.Verify)
                {
                    GraphInvariants.Check(model, pass.Name);
                    if (before is not null && (result.Modified || !before.AsSpan().SequenceEqual(ModelSaver.ToBytes(model))))
                        throw new InvariantViolationException(pass.Name, "an analysis pass modified the model");
                }
                var diagnostics = result.Diagnostics.Select(d => d with { Pass = pass.Name }).ToList();
                runs.Add(new PassRun(pass.Name, iteration, result.Modified, sw.Elapsed, diagnostics));
                changed |= result.Modified;
                // The patch limit is for the whole run: nothing after the withheld patch runs.
                if (session.Stopped) break;
            }
        } while (_options.FixedPoint && changed && !session.Stopped && iteration < _options.MaxIterations);
        return new PipelineResult(runs, iteration, total.Elapsed, ReachedFixedPoint: !changed)
        {
            PatchesApplied = session.Applied,
            Stopped = session.Stopped,
            LastPatch = session.LastApplied is { } last ? $"{last.Pass}: {last.Patch.Description}" : null,
        };
    }
}
