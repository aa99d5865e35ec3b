using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>One backend-suite case: where it is and how it went.</summary>
public sealed record CaseResult(string Name, bool Applicable, bool Passed, string Detail);

/// <summary>
/// Runs ONNX's backend test cases (node/, pytorch-converted/, pytorch-operator/, simple/) on the native
/// executor. A case applies when every op of its model (subgraphs included) is in the registry for its opset.
/// Expected outputs come from the suite's output_K.pb files; floats compare like ONNX's backend
/// (|actual − expected| ≤ 1e-7 + 1e-3·|expected|, NaN matches NaN), integers and bools exactly.
/// </summary>
public static class ConformanceSuite
{
    public static readonly string[] Folders = { "node", "pytorch-converted", "pytorch-operator", "simple" };
    public const double Rtol = 1e-3, Atol = 1e-7;

    public static IEnumerable<string> CaseDirs()
    {
        foreach (var f in Folders)
        {
            string dir = Path.Combine(TestData.OnnxBackendData, f);
            if (!Directory.Exists(dir)) throw new InvalidOperationException($"test data folder missing: {dir}");
            foreach (var c in Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal))
                if (File.Exists(Path.Combine(c, "model.onnx"))) yield return c;
        }
    }

    public static string CaseName(string dir) => $"{Path.GetFileName(Path.GetDirectoryName(dir))}/{Path.GetFileName(dir)}";

    public static CaseResult Run(string dir) => Run(dir, ExecutionPrecision.Native, Rtol, Atol);

    /// <summary>Runs one case in the given precision; reference-mode outputs (double) are compared with the expected data's values.</summary>
    public static CaseResult Run(string dir, ExecutionPrecision precision, double rtol, double atol)
    {
        string name = CaseName(dir);
        Model model;
        try { model = ModelLoader.Load(Path.Combine(dir, "model.onnx")); }
        catch (Exception e) { return new CaseResult(name, false, false, $"model does not load: {OneLine(e.Message)}"); }
        using (model)
        {
            var missing = model.Graph.AllNodes().Where(n => !(n.OpType == "Constant" && n.Domain == "") && !KernelRegistry.Builtin.Supports(n.Domain, n.OpType, n.Opset))
                .Select(n => $"{n.OpType}-{n.Opset}").Distinct().ToList();
            if (missing.Count > 0) return new CaseResult(name, false, false, "ops not in registry: " + string.Join(", ", missing));
            try
            {
                var session = NativeSession.Create(model, new SessionOptions { Precision = precision });
                var feedNames = model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToList();
                var sets = Directory.GetDirectories(dir, "test_data_set_*").OrderBy(d => d, StringComparer.Ordinal).ToList();
                if (sets.Count == 0) return new CaseResult(name, true, false, "no test data sets");
                foreach (var set in sets)
                {
                    var feeds = new Dictionary<string, TensorValue>();
                    for (int k = 0; File.Exists(Path.Combine(set, $"input_{k}.pb")); k++)
                    {
                        string file = Path.Combine(set, $"input_{k}.pb");
                        var (n, value) = TensorProtoFile.ReadNamed(file);
                        if (n.Length == 0 || !feedNames.Contains(n)) n = k < feedNames.Count ? feedNames[k] : n;
                        feeds[n] = AsDeclared(value, model.Graph.Inputs.FirstOrDefault(v => v.Name == n)?.ElementType);
                    }
                    var outputs = session.Run(feeds);
                    var outNames = model.Graph.Outputs.Select(v => v.Name).ToList();
                    for (int k = 0; File.Exists(Path.Combine(set, $"output_{k}.pb")); k++)
                    {
                        var expected = TensorProtoFile.Read(Path.Combine(set, $"output_{k}.pb"));
                        var actual = outputs[outNames[k]];
                        expected = AsDeclared(expected, precision == ExecutionPrecision.Native ? actual.ElementType : model.Graph.Outputs[k].ElementType);
                        string? diff = Compare(expected, actual, rtol, atol);
                        if (diff is not null) return new CaseResult(name, true, false, $"{Path.GetFileName(set)} output {k} ('{outNames[k]}'): {diff}");
                    }
                }
                return new CaseResult(name, true, true, "");
            }
            catch (Exception e)
            {
                return new CaseResult(name, true, false, $"{e.GetType().Name}: {OneLine(e.Message)}");
            }
        }
    }

    // The suite stores bfloat16 data as uint16 TensorProtos (as ONNX's own runner knows): reinterpret the bits.
    private static TensorValue AsDeclared(TensorValue t, ElementType? declared) =>
        declared == ElementType.BFloat16 && t.ElementType == ElementType.UInt16 ? TensorValue.Wrap(ElementType.BFloat16, t.Shape, t.Buffer) : t;

    public static string? Compare(TensorValue expected, TensorValue actual) => Compare(expected, actual, Rtol, Atol);

    public static string? Compare(TensorValue expected, TensorValue actual, double rtol, double atol)
    {
        bool widened = actual.ElementType == ElementType.Double && expected.ElementType is ElementType.Float or ElementType.Float16 or ElementType.BFloat16;
        if (expected.ElementType != actual.ElementType && !widened) return $"element type {actual.ElementType.Name()}, expected {expected.ElementType.Name()}";
        if (!expected.Shape.SequenceEqual(actual.Shape)) return $"shape [{string.Join(',', actual.Shape)}], expected [{string.Join(',', expected.Shape)}]";
        if (expected.ElementType == ElementType.String)
        {
            var e = (string[])expected.Buffer;
            var a = (string[])actual.Buffer;
            for (int i = 0; i < expected.Length; i++) if (e[i] != a[i]) return $"element {i} differs";
            return null;
        }
        var ev = expected.ToDoubles();
        var av = actual.ToDoubles();
        bool isFloat = expected.ElementType is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;
        for (int i = 0; i < ev.Length; i++)
        {
            double e = ev[i], a = av[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            bool ok = isFloat ? (e == a || Math.Abs(a - e) <= atol + rtol * Math.Abs(e)) : e == a;
            if (!ok) return $"element {i}: {a:R}, expected {e:R}";
        }
        return null;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
