using System.Runtime.InteropServices;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The native executor's results do not depend on the thread count: every reduction runs in an order fixed by the
/// shapes alone, so 1, 2 and 4 threads give the same bits (on real models, and on GEMMs with ragged edges).
/// </summary>
public sealed class DeterminismTests
{
    // Small kernels would stay on one thread; SplitAllWork splits them anyway, so every tiling is compared.
    private static byte[][] Run(string path, long[] shape, int threads, ulong seed)
    {
        using var model = ModelLoader.Load(path);
        var session = NativeSession.Create(model, new SessionOptions { Threads = threads, SplitAllWork = threads > 1 });
        var rng = new DeterministicRandom(seed);
        var x = TensorValue.FromFloats(shape, rng.Uniforms(TensorValue.ElementCount(shape), -1, 1).Select(v => (float)v).ToArray());
        var outputs = session.Run(new Dictionary<string, TensorValue> { [session.RequiredInputs.Single().Name] = x });
        return outputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.AsBytes().ToArray()).ToArray();
    }

    public static IEnumerable<object[]> Models() => new[]
    {
        new object[] { TestData.PaddleCls, new long[] { 1, 3, 48, 192 } },
        new object[] { TestData.PaddleDet, new long[] { 1, 3, 160, 224 } },
        new object[] { TestData.PaddleRec, new long[] { 1, 3, 48, 320 } },
        new object[] { "resnet18like", new long[] { 1, 3, 224, 224 } },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Real_model_outputs_are_bit_identical_at_one_two_and_four_threads(string file, long[] shape)
    {
        string path = file == "resnet18like" ? TestData.ResNet18Like : TestData.Paddle(file);
        var one = Run(path, shape, 1, 11);
        foreach (int threads in new[] { 2, 4 })
        {
            var many = Run(path, shape, threads, 11);
            Assert.Equal(one.Length, many.Length);
            for (int i = 0; i < one.Length; i++)
                Assert.True(one[i].AsSpan().SequenceEqual(many[i]), $"output {i} differs between 1 and {threads} threads");
        }
    }

    public static IEnumerable<object[]> CorpusModels() => RealModelCorpus.Ids("eval");

    // A minute or two on this machine (DenseNet-121, R(2+1)D at three thread counts): left to the full ./test.sh.
    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(CorpusModels))]
    public void Corpus_model_outputs_are_bit_identical_at_one_two_and_four_threads(string id)
    {
        var m = RealModelCorpus.ById(id);
        var x = Data.NpyFile.Read(m.InputPath);
        byte[] RunAt(int threads)
        {
            using var model = ModelLoader.Load(m.Path);
            var session = NativeSession.Create(model, new SessionOptions { Threads = threads });
            return session.Run(new Dictionary<string, TensorValue> { [m.InputName] = x })[m.OutputName].AsBytes().ToArray();
        }
        var one = RunAt(1);
        foreach (int threads in new[] { 2, 4 })
            Assert.True(one.AsSpan().SequenceEqual(RunAt(threads)), $"{id}: output differs between 1 and {threads} threads");
    }

    [Theory]
    [InlineData(64, 200, 300)]   // columns split into tasks that are not multiples of 32
    [InlineData(96, 49, 576)]    // a 7x7 map: 32 + 16 + 1 columns
    [InlineData(30, 1000, 70)]
    [InlineData(256, 784, 1152)]
    public void Gemm_results_are_bit_identical_at_one_two_three_and_four_threads(int m, int n, int k)
    {
        var rng = new DeterministicRandom(5);
        var a = rng.Uniforms(m * k, -1, 1).Select(v => (float)v).ToArray();
        var b = rng.Uniforms(k * n, -1, 1).Select(v => (float)v).ToArray();
        // Small shapes would stay on one thread; splitting them anyway compares every tiling.
        float[] C(int threads)
        {
            var c = new float[m * n];
            Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, KernelTarget.Best(threads) with { SplitAllWork = true });
            return c;
        }
        var one = C(1);
        foreach (int threads in new[] { 2, 3, 4 })
            Assert.True(MemoryMarshal.AsBytes(one.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(C(threads).AsSpan())), $"{threads} threads differ from one");
    }
}
