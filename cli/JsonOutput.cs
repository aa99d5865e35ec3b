using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxNorm.Cli;

/// <summary>One JSON style for every report: camelCase, indented, NaN/Infinity written as strings.</summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
