using System.Text.Json.Serialization;
using OnnxNorm.Cli.Commands;
using OnnxNorm.Cli.Statistics;
using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Optimize;

namespace OnnxNorm.Cli;

/// <summary>Every type the CLI writes as JSON; the serializers are generated at build time.</summary>
[JsonSerializable(typeof(OptimizeReport))]
[JsonSerializable(typeof(ModelSummary))]
[JsonSerializable(typeof(IReadOnlyList<BatchNormReport>))]
[JsonSerializable(typeof(IReadOnlyList<AffineReport>))]
[JsonSerializable(typeof(ComparisonReport))]
[JsonSerializable(typeof(BenchCommand.Report))]
[JsonSerializable(typeof(StatsJsonDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
