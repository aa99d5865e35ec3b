using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The session's memory plan (<see cref="MemoryPlan"/>, <see cref="BufferPool"/>): after the first run each request
/// of a run gets a planned buffer, shared with requests whose lifetimes do not overlap. Checked on real models: no
/// two values alive at once share a buffer, the runs on the plan give the same bits as the first run even when every
/// free buffer is filled with NaN before the run, and a planned run allocates no tensor buffers.
/// </summary>
public sealed class MemoryPlanTests
{
    public static IEnumerable<object[]> Models() => new[]
    {
        new object[] { TestData.PaddleCls, new long[] { 1, 3, 48, 192 } },
        new object[] { TestData.PaddleDet, new long[] { 1, 3, 160, 224 } },
        new object[] { TestData.PaddleRec, new long[] { 1, 3, 48, 320 } },
        new object[] { "resnet18like", new long[] { 1, 3, 224, 224 } },
    };

    private static string PathOf(string file) => file == "resnet18like" ? TestData.ResNet18Like : TestData.Paddle(file);

    private static Dictionary<string, TensorValue> Feeds(NativeSession session, long[] shape, ulong seed)
    {
        var rng = new DeterministicRandom(seed);
        var x = TensorValue.FromFloats(shape, rng.Uniforms(TensorValue.ElementCount(shape), -1, 1).Select(v => (float)v).ToArray());
        return new Dictionary<string, TensorValue> { [session.RequiredInputs.Single().Name] = x };
    }

    private static byte[][] Bits(Dictionary<string, TensorValue> outputs) =>
        outputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.AsBytes().ToArray()).ToArray();

    private static void AssertNoOverlappingValueSharesABuffer(MemoryPlan plan, string what)
    {
        var e = plan.Events;
        for (int i = 0; i < e.Length; i++)
        {
            if (plan.BufferOf[i] < 0) continue;
            var buffer = plan.Buffers[plan.BufferOf[i]];
            Assert.True(buffer.Type == e[i].Type && buffer.Capacity >= e[i].Count, $"{what}: request {i} ({e[i]}) does not fit its buffer {buffer}");
            for (int j = i + 1; j < e.Length; j++)
                if (plan.BufferOf[j] == plan.BufferOf[i])
                    Assert.False(e[i].Overlaps(e[j]), $"{what}: requests {i} {e[i]} and {j} {e[j]} are alive together in buffer {plan.BufferOf[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Values_alive_at_the_same_time_never_share_a_planned_buffer(string file, long[] shape)
    {
        using var model = ModelLoader.Load(PathOf(file));
        var session = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        var feeds = Feeds(session, shape, 3);
        session.Run(feeds);
        var plan = session.Pool.Plan;
        Assert.NotNull(plan);
        Assert.Equal(session.Pool.LastRun.Count, plan.Events.Length);
        AssertNoOverlappingValueSharesABuffer(plan, file);
        // Sharing happened: fewer buffers than requests.
        Assert.True(plan.Buffers.Length < plan.Events.Count(ev => !ev.Kept) / 2, $"{plan.Buffers.Length} buffers for {plan.Events.Length} requests");
        session.Run(feeds);
        Assert.True(session.Pool.LastRunFollowedPlan, "the second run left the plan");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Runs_on_the_plan_give_the_first_runs_bits_even_with_garbage_in_every_free_buffer(string file, long[] shape)
    {
        using var model = ModelLoader.Load(PathOf(file));
        var session = NativeSession.Create(model, new SessionOptions { Threads = 2, SplitAllWork = true });
        var feeds = Feeds(session, shape, 5);
        var first = Bits(session.Run(feeds));
        for (int run = 0; run < 2; run++)
        {
            session.Pool.Scribble();
            var again = Bits(session.Run(feeds));
            Assert.True(session.Pool.LastRunFollowedPlan);
            Assert.Equal(first.Length, again.Length);
            for (int i = 0; i < first.Length; i++)
                Assert.True(first[i].AsSpan().SequenceEqual(again[i]), $"{file}: output {i} differs on run {run + 2}");
        }
    }

    [Fact]
    public void A_run_on_the_plan_allocates_no_tensor_buffers()
    {
        using var model = ModelLoader.Load(TestData.Paddle(TestData.PaddleDet));
        var session = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        var shape = new long[] { 1, 3, 640, 640 };
        var feeds = Feeds(session, shape, 7);
        for (int i = 0; i < 3; i++) session.Run(feeds);
        long pooled = session.Pool.PooledBytes;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var outputs = session.Run(feeds);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long outputBytes = outputs.Values.Sum(v => v.AsBytes().Length);
        Assert.Equal(pooled, session.Pool.PooledBytes);
        // Besides the outputs (the caller's, new each run), only small objects: tensor headers, shapes, ~300
        // steps' worth, while the plan's buffers hold tens of MB.
        Assert.True(allocated - outputBytes < 1 << 20, $"a planned run allocated {allocated:N0} bytes besides its {outputBytes:N0} bytes of outputs");
        Assert.True(pooled > 20 << 20);
    }

    [Fact]
    public void Another_input_shape_gets_its_own_plan_and_the_same_bits_as_a_new_session()
    {
        var path = TestData.Paddle(TestData.PaddleDet);
        using var model = ModelLoader.Load(path);
        var session = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        var small = new long[] { 1, 3, 96, 128 };
        var large = new long[] { 1, 3, 160, 224 };
        session.Run(Feeds(session, large, 9));
        session.Run(Feeds(session, large, 9));
        var planForLarge = session.Pool.Plan!;
        var onSmall = Bits(session.Run(Feeds(session, small, 9)));
        Assert.False(session.Pool.LastRunFollowedPlan);
        Assert.NotSame(planForLarge, session.Pool.Plan);
        AssertNoOverlappingValueSharesABuffer(session.Pool.Plan!, "det 96x128 after 160x224");

        using var fresh = ModelLoader.Load(path);
        var expected = Bits(NativeSession.Create(fresh, new SessionOptions { Threads = 1 }).Run(Feeds(session, small, 9)));
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i].AsSpan().SequenceEqual(onSmall[i]), $"output {i} differs");
    }

    [Fact]
    public void The_plan_needs_fewer_bytes_than_one_buffer_per_tensor_size()
    {
        using var model = ModelLoader.Load(TestData.Paddle(TestData.PaddleDet));
        var session = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        var feeds = Feeds(session, new long[] { 1, 3, 320, 320 }, 3);
        session.Run(feeds);
        var plan = session.Pool.Plan!;
        session.Run(feeds); // makes the planned buffers no buffer of the first run could take
        // What pooling by exact (type, count) holds: for each size, as many buffers as are alive at once.
        long exactPool = 0;
        foreach (var group in plan.Events.Where(e => !e.Kept).GroupBy(e => (e.Type, e.Count)))
        {
            var clock = group.SelectMany(e => new[] { (At: e.Rented, Delta: 1), (At: e.Returned, Delta: -1) }).OrderBy(p => p.At);
            int live = 0, peak = 0;
            foreach (var (_, delta) in clock) peak = Math.Max(peak, live += delta);
            exactPool += peak * group.Key.Type.ByteCount(group.Key.Count);
        }
        Assert.True(plan.Bytes < exactPool * 3 / 4, $"planned {plan.Bytes:N0} bytes, exact-size pooling {exactPool:N0}");
        // The buffers the pool keeps for the plan: the first run's, each as small as fits, the others let go.
        Assert.True(session.Pool.PooledBytes < exactPool * 3 / 4, $"pool holds {session.Pool.PooledBytes:N0} bytes, exact-size pooling {exactPool:N0}");
        Assert.True(session.Pool.PooledBytes >= plan.Bytes);
    }

    [Fact]
    public void The_total_cap_holds_on_the_first_run_and_when_a_later_run_leaves_the_plan()
    {
        using var model = ModelLoader.Load(TestData.Paddle(TestData.PaddleDet));
        var small = new long[] { 1, 3, 96, 128 };
        var large = new long[] { 1, 3, 320, 320 };
        var probe = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        probe.Run(Feeds(probe, small, 1));
        long needed = probe.Pool.PooledBytes;

        var capped = NativeSession.Create(model, new SessionOptions { Threads = 1, MaxTotalBytes = needed / 2 });
        var e = Assert.Throws<BadInputException>(() => capped.Run(Feeds(capped, small, 1)));
        Assert.Contains("cap", e.Message);

        // Room for the small input's plan, not for the large input's values.
        var roomy = NativeSession.Create(model, new SessionOptions { Threads = 1, MaxTotalBytes = needed * 3 });
        roomy.Run(Feeds(roomy, small, 1));
        roomy.Run(Feeds(roomy, small, 1));
        Assert.True(roomy.Pool.LastRunFollowedPlan);
        Assert.Contains("cap", Assert.Throws<BadInputException>(() => roomy.Run(Feeds(roomy, large, 1))).Message);
        // The failed run leaves the session usable.
        roomy.Run(Feeds(roomy, small, 1));
    }

    [Fact]
    public void Convolution_weights_are_kept_once_packed_not_also_as_plain_constants_of_the_plan()
    {
        using var model = ModelLoader.Load(TestData.Paddle(TestData.PaddleDet));
        // PaddleOCR's exporter stores the weights as Constant nodes, not initializers.
        long weights = model.Graph.Nodes.Where(n => n.OpType == "Constant").Sum(n => Graph.TryGetConstant(n.Output(0)!)?.ByteLength ?? 0);
        var session = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        session.Run(Feeds(session, new long[] { 1, 3, 96, 128 }, 2));
        long planConstants = session.Plan.Constants.Where(c => c is not null).Distinct().Sum(c => c!.AsBytes().Length);
        // det's weights are almost all Conv weights (its BNs are already folded): the plan feeds none of them.
        Assert.True(weights > 4 << 20);
        Assert.True(planConstants < weights / 10, $"the plan holds {planConstants:N0} bytes of constants; the model has {weights:N0}");
    }

    public static IEnumerable<object[]> CorpusModels() => RealModelCorpus.Ids("eval");

    // Several minutes for the whole corpus: left to the full ./test.sh.
    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(CorpusModels))]
    public void Corpus_models_plan_without_sharing_live_values_and_give_the_same_bits_on_the_plan(string id)
    {
        var m = RealModelCorpus.ById(id);
        var feeds = new Dictionary<string, TensorValue> { [m.InputName] = NpyFile.Read(m.InputPath) };
        using var model = ModelLoader.Load(m.Path);
        var session = NativeSession.Create(model, new SessionOptions { Threads = 2 });
        var first = session.Run(feeds)[m.OutputName].AsBytes().ToArray();
        AssertNoOverlappingValueSharesABuffer(session.Pool.Plan!, id);
        session.Pool.Scribble();
        var planned = session.Run(feeds)[m.OutputName].AsBytes().ToArray();
        Assert.True(session.Pool.LastRunFollowedPlan);
        Assert.True(first.AsSpan().SequenceEqual(planned), $"{id}: the run on the plan differs from the first");
    }
}
