using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Workflows.Comparison;

namespace OnnxNorm.Cli;

/// <summary>
/// One JSON style for every report: camelCase, indented, NaN/Infinity written as strings, enums as
/// camelCase strings. Serialization code is generated at build time (<see cref="CliJsonContext"/>), so the
/// native (AOT) build writes the same JSON as the JIT one without reflection.
/// </summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = CliJsonContext.Default,
        Converters =
        {
            new JsonStringEnumConverter<DiagnosticSeverity>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<ElementType>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<TolerancePreset>(JsonNamingPolicy.CamelCase),
        },
    };

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());
}
