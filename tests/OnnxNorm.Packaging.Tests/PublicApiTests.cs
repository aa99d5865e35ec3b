using System.Reflection;
using Google.Protobuf;

namespace OnnxNorm.Packaging.Tests;

/// <summary>
/// The libraries' public API is declared (PublicAPI.Shipped.txt, checked by the build) and shows neither the
/// generated ONNX protobuf classes nor the executor's kernels, operators and plan: those stay internal.
/// </summary>
public class PublicApiTests
{
    /// <summary>Namespaces (and one assembly) that are implementation, never API.</summary>
    private static bool IsInternalDetail(Type t) =>
        t.Assembly.GetName().Name == "Google.Protobuf"
        || t.Namespace is { } ns && (ns == "OnnxNorm.Ir.Proto" || ns.StartsWith("OnnxNorm.Runtime.Kernels", StringComparison.Ordinal)
                                    || ns.StartsWith("OnnxNorm.Runtime.Operators", StringComparison.Ordinal))
        || t.Namespace == "OnnxNorm.Runtime.Execution" && PlanTypes.Contains(t.Name);

    // The plan's own types live beside the public session in OnnxNorm.Runtime.Execution.
    private static readonly HashSet<string> PlanTypes = new(StringComparer.Ordinal)
        { "KernelRegistry", "KernelRegistration", "IOperator", "OpContext", "NodeInfo", "OperatorFactory", "OperatorMemory", "PlanBuilder" };

    private static List<string> Leaks(Assembly assembly) =>
        PublicSurface.Of(assembly).Where(x => IsInternalDetail(x.Type)).Select(x => $"{x.Where}: {x.Type.FullName}")
            .Distinct().ToList();

    [Theory]
    [MemberData(nameof(LibraryLayers.Names), MemberType = typeof(LibraryLayers))]
    public void No_public_member_of_a_library_shows_a_protobuf_or_executor_kernel_type(string library)
    {
        var leaks = Leaks(LibraryLayers.Assembly(library));
        Assert.True(leaks.Count == 0, $"{library} shows internal types in its public API:\n" + string.Join("\n", leaks.Take(40)));
    }

    /// <summary>A stand-in for a library type that leaks, so the check above is shown to see leaks.</summary>
    public class LeakyExample
    {
        /// <summary>A protobuf type in a public signature.</summary>
        public ByteString Payload { get; } = ByteString.Empty;
        /// <summary>A protobuf type nested in a generic argument of a protected method's parameter.</summary>
        protected void Take(IReadOnlyList<ByteString[]> chunks) { }
    }

    [Fact]
    public void The_leak_check_finds_a_protobuf_type_in_a_property_and_inside_a_generic_parameter()
    {
        var found = Leaks(typeof(LeakyExample).Assembly).Where(l => l.Contains(nameof(LeakyExample), StringComparison.Ordinal)).ToList();
        Assert.Contains(found, l => l.EndsWith(".Payload: Google.Protobuf.ByteString", StringComparison.Ordinal));
        Assert.Contains(found, l => l.EndsWith(".Take: Google.Protobuf.ByteString", StringComparison.Ordinal));
    }

    private static string ProjectDir(string library) =>
        Path.Combine(OnnxNorm.TestSupport.TestData.RepoRoot, "src", library["OnnxNorm.".Length..]);

    [Theory]
    [MemberData(nameof(LibraryLayers.Names), MemberType = typeof(LibraryLayers))]
    public void Each_library_declares_every_exported_type_in_its_api_files(string library)
    {
        // Declared = shipped plus not yet shipped: a new type goes to PublicAPI.Unshipped.txt until a release.
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" })
        {
            var lines = File.ReadAllLines(Path.Combine(ProjectDir(library), file));
            Assert.Equal("#nullable enable", lines[0]);
            // A type's own line is its full name (nested types with '.'), with or without modifiers before it.
            declared.UnionWith(lines.Skip(1).Select(l => l.Split(' ').Last()));
        }
        var exported = LibraryLayers.Assembly(library).GetExportedTypes().Select(t => t.FullName!.Replace('+', '.')).ToList();
        Assert.NotEmpty(exported);
        var missing = exported.Where(t => !declared.Contains(t)).ToList();
        Assert.True(missing.Count == 0, $"{library}: exported but in neither PublicAPI file:\n" + string.Join("\n", missing));
    }

    [Theory]
    [MemberData(nameof(LibraryLayers.Names), MemberType = typeof(LibraryLayers))]
    public void Each_library_build_runs_the_public_api_analyzer_and_fails_on_missing_docs(string library)
    {
        string project = Path.Combine(ProjectDir(library), $"{library}.csproj");
        var r = DotnetCli.Dotnet("msbuild", project, "-getItem:PackageReference", "-getProperty:WarningsAsErrors",
            "-getProperty:TreatWarningsAsErrors", "-getProperty:GenerateDocumentationFile").AssertOk("dotnet msbuild");
        Assert.Contains("\"Microsoft.CodeAnalysis.PublicApiAnalyzers\"", r.Output);
        Assert.Matches("\"WarningsAsErrors\": \"[^\"]*CS1591", r.Output);
        Assert.Contains("\"TreatWarningsAsErrors\": \"true\"", r.Output);
        Assert.Contains("\"GenerateDocumentationFile\": \"true\"", r.Output);
    }
}
