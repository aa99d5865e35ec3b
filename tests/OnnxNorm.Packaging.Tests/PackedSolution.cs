using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Packaging.Tests;

/// <summary>`dotnet pack OnnxNorm.sln` once (over the existing build), shared by the package tests.</summary>
public sealed class PackedSolution
{
    public PackedSolution()
    {
        string config = typeof(PackedSolution).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "Configuration").Value!;
        Folder = TestData.NewTempDir();
        DotnetCli.Dotnet("pack", Path.Combine(TestData.RepoRoot, "OnnxNorm.sln"), "-c", config, "--no-build", "-o", Folder, "-v", "q", "-nologo")
            .AssertOk("dotnet pack OnnxNorm.sln");
        Packages = Directory.GetFiles(Folder, "*.nupkg").Select(Package.Open).ToDictionary(p => p.Id, StringComparer.Ordinal);
    }

    public string Folder { get; }

    public IReadOnlyDictionary<string, Package> Packages { get; }

    /// <summary>One .nupkg: its nuspec metadata and the paths of the files it holds.</summary>
    public sealed record Package(string Path, string Id, string Version, XElement Metadata, IReadOnlyList<string> Files)
    {
        public static Package Open(string path)
        {
            using var zip = ZipFile.OpenRead(path);
            var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
            using var stream = nuspecEntry.Open();
            var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Get(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            return new Package(path, Get("id"), Get("version"), metadata, zip.Entries.Select(e => e.FullName).ToList());
        }

        public string Get(string name) => Metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        public XElement? Element(string name) => Metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);
    }
}
