using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime.Data;

namespace OnnxNorm.AflFuzz;

/// <summary>
/// What the coverage-guided fuzzer feeds bytes to: the model loader followed by the default pass pipeline
/// (with invariant checks) and a save, and the .npy, .npz and .pb readers. A <see cref="BadInputException"/>
/// is the contract for bad input; any other exception is a finding. The same entry points replay the
/// committed corpus in CI (tests/OnnxNorm.Fuzz.Tests).
/// </summary>
public static class FuzzTargets
{
    public static readonly string[] Names = { "model", "npy", "npz", "pb" };

    public static void Run(string target, byte[] bytes)
    {
        try
        {
            switch (target)
            {
                case "model": Model(bytes); break;
                case "npy": NpyFile.Read(new MemoryStream(bytes), "fuzz.npy"); break;
                case "npz": Npz(bytes); break;
                case "pb": TensorProtoFile.Parse(bytes, "fuzz.pb"); break;
                default: throw new ArgumentException($"unknown fuzz target '{target}' (use {string.Join(", ", Names)})");
            }
        }
        catch (BadInputException) { }
    }

    private static void Model(byte[] bytes)
    {
        using var model = ModelLoader.Load(bytes, "fuzz.onnx");
        PassPipeline.FromNames(PassRegistry.DefaultPipeline, new PipelineOptions { Verify = true }).Run(model);
        ModelSaver.ToBytes(model);
    }

    private static void Npz(byte[] bytes)
    {
        // The reader takes a path: the archive goes to a private temp file.
        string path = Path.Combine(Path.GetTempPath(), $"onnxnorm-fuzz-{Environment.ProcessId}.npz");
        File.WriteAllBytes(path, bytes);
        try { foreach (var _ in NpzReader.Read(path)) { } }
        finally { File.Delete(path); }
    }
}
