using OnnxNorm.AflFuzz;
using SharpFuzz;

// Under afl-fuzz: `afl-fuzz -i SEEDS -o FINDINGS -- dotnet OnnxNorm.AflFuzz.dll TARGET` (assemblies
// instrumented with `sharpfuzz` first, see README "Fuzzing"). Without afl: `... TARGET FILE...` replays files.
if (args.Length == 0) { Console.Error.WriteLine($"usage: OnnxNorm.AflFuzz {string.Join("|", FuzzTargets.Names)} [FILE...]"); return 2; }
string target = args[0];
if (args.Length > 1)
{
    foreach (var file in args.Skip(1)) FuzzTargets.Run(target, File.ReadAllBytes(file));
    return 0;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTargets.Run(target, buffer.ToArray());
});
return 0;
