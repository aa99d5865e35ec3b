using OnnxNorm.TestModels;

// Regenerates the committed models: dotnet run --project testmodels -- testmodels
// With --resnet18 it also writes the ~47 MB ResNet-18-class benchmark model.
string dir = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? ".";
Directory.CreateDirectory(dir);
foreach (var (name, build) in CommittedModels.All)
{
    build().Save(Path.Combine(dir, name));
    Console.WriteLine($"wrote {Path.Combine(dir, name)}");
}
if (args.Contains("--resnet18"))
    Console.WriteLine($"wrote {GeneratedModels.ResNet18Like(dir)}");
