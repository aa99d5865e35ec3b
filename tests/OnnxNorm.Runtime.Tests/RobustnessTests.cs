using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Hostile use of the executor: every applicable backend-suite model fed tensors of wrong shapes, and every
/// integer attribute of its nodes replaced by odd values. The only acceptable outcomes are a result or a
/// BadInputException; anything else (an internal error) fails with the case named.
/// </summary>
public class RobustnessTests
{
    private static IEnumerable<string> ApplicableCases() =>
        ConformanceSuite.CaseDirs().Where(d =>
        {
            using var m = ModelLoader.Load(Path.Combine(d, "model.onnx"));
            return m.Graph.AllNodes().All(n => n.OpType == "Constant" || KernelRegistry.Builtin.Supports(n.Domain, n.OpType, n.Opset));
        });

    private static TensorValue RandomTensor(ElementType type, long[] shape, DeterministicRandom rng)
    {
        var t = TensorValue.Allocate(type == ElementType.Undefined ? ElementType.Float : type, shape);
        if (t.ElementType != ElementType.String)
        {
            var bytes = t.AsBytes();
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)rng.NextUInt64();
        }
        else for (int i = 0; i < t.Length; i++) ((string[])t.Buffer)[i] = "";
        return t;
    }

    private static string? Attempt(Func<Model> load, Func<NativeSession, Dictionary<string, TensorValue>> feeds)
    {
        try
        {
            using var m = load();
            var s = NativeSession.Create(m, new SessionOptions { MaxTensorBytes = 64 << 20, MaxTotalBytes = 256 << 20 });
            s.Run(feeds(s));
            return null;
        }
        catch (BadInputException) { return null; }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"; }
    }

    [Fact]
    public void Wrong_shapes_and_odd_attributes_never_cause_internal_errors()
    {
        var failures = new List<string>();
        var rng = new DeterministicRandom(11);
        foreach (var dir in ApplicableCases())
        {
            string path = Path.Combine(dir, "model.onnx");
            // 1. Random shapes (rank kept when known, dims 0..5) and random bytes for every input.
            for (int trial = 0; trial < 2; trial++)
            {
                string? f = Attempt(() => ModelLoader.Load(path), s => s.RequiredInputs.ToDictionary(i => i.Name,
                    i => RandomTensor(i.ElementType, (i.Shape ?? new Dim[2]).Select(_ => (long)(rng.NextUInt64() % 6)).ToArray(), rng)));
                if (f is not null) failures.Add($"{ConformanceSuite.CaseName(dir)} (random inputs): {f}");
            }
            // 2. Each integer attribute set to an odd value, inputs of the declared shapes.
            foreach (long odd in new[] { -7L, 0L, 1L << 40 })
            {
                string? f = Attempt(() =>
                {
                    var m = ModelLoader.Load(path);
                    foreach (var n in m.Graph.AllNodes())
                        foreach (var a in n.Attributes.ToList())
                        {
                            if (a.Kind == AttributeKind.Int) n.SetInt(a.Name, odd);
                            else if (a.Kind == AttributeKind.Ints) n.SetInts(a.Name, a.Ints.Select(_ => odd).ToArray());
                        }
                    return m;
                }, s => s.RequiredInputs.ToDictionary(i => i.Name,
                    i => RandomTensor(i.ElementType, (i.Shape ?? Array.Empty<Dim>()).Select(d => d.Value ?? 2).ToArray(), rng)));
                if (f is not null) failures.Add($"{ConformanceSuite.CaseName(dir)} (attributes = {odd}): {f}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} internal errors:\n" + string.Join("\n", failures.Take(60)));
    }
}
