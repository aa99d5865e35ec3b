using System.Diagnostics;
using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Workflows.Comparison;

namespace OnnxNorm.Workflows.Optimize;

/// <summary>
/// The `optimize` job as a library call: runs the pipeline on a model in place and returns the report the CLI
/// prints (what was folded, what was left and why), with the same --verify equivalence check.
/// </summary>
public static class ModelOptimizer
{
    /// <param name="model">Rewritten in place; save it with <see cref="ModelSaver"/>.</param>
    /// <param name="options">Passes and checks; null runs the default pipeline without --verify.</param>
    /// <param name="inputLabel">How the report names the input (a path for the CLI).</param>
    /// <param name="outputLabel">How the report names the output.</param>
    public static OptimizeReport Optimize(Model model, OptimizeOptions? options = null, string inputLabel = "", string outputLabel = "")
    {
        options ??= new OptimizeOptions();
        var clock = Stopwatch.StartNew();
        var names = (options.Passes ?? PassRegistry.DefaultPipeline).ToList();
        if (names.Count == 0) throw new BadInputException("no pass named");
        var pipeline = PassPipeline.FromNames(names, new PipelineOptions { Verify = options.Verify, FixedPoint = options.FixedPoint, StopAfterPatches = options.StopAfterPatches },
            settings: new PassSettings { BatchNormArithmetic = options.Arithmetic, ConstantEvaluator = NativeConstantEvaluator.Instance });
        var equivalence = options.Verify ? options.Equivalence ?? EquivalenceChecks.Default(0, ShapeOverrides.Empty) : null;

        byte[]? original = equivalence is not null ? ModelSaver.ToBytes(model) : null;
        var before = ModelSummary.Of(model, inputLabel);
        int bnBefore = BatchNormNodes.In(model).Count;
        var result = pipeline.Run(model);
        var after = ModelSummary.Of(model, outputLabel);
        var verdict = equivalence?.Compare(original!, ModelSaver.ToBytes(model));
        clock.Stop();
        return OptimizeSummary.Build(model, result, inputLabel, outputLabel, names, bnBefore, before, after,
            clock.Elapsed.TotalMilliseconds, options.Verify ? new VerifyReport(true, equivalence?.Name, verdict) : null);
    }
}
