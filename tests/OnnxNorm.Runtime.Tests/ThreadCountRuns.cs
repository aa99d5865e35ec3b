using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>Runs a one-output model at a given thread count, splitting even small work when threads &gt; 1.</summary>
internal static class ThreadCountRuns
{
    public static float[] Normals(int n, ulong seed) =>
        Array.ConvertAll(new DeterministicRandom(seed).Normals(n), v => (float)v);

    public static float[] Run(byte[] model, Dictionary<string, TensorValue> feed, int threads)
    {
        using var m = ModelLoader.Load(model);
        return NativeSession.Create(m, new SessionOptions { Threads = threads, SplitAllWork = threads > 1 }).Run(feed)["y"].AsSpan<float>().ToArray();
    }
}
