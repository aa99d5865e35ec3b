using OnnxNorm.Ir;

namespace OnnxNorm.Passes.Tests;

/// <summary>A test pass made of one rule, run by the driver like the real ones.</summary>
internal class RulePass(string name, IRewriteRule rule) : RewritePass
{
    public override string Name => name;
    public override string Description => "test";
    public override PassResult Run(Model model, RewriteSession session) => RewriteDriver.Result(RewriteDriver.Sweep(model, session, rule));
}
