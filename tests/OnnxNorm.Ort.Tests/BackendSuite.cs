using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Ort;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// Runs cases of ONNX's backend test suite (model.onnx + test_data_set_N/input_K.pb, output_K.pb) through our
/// binding and checks ORT's outputs against the suite's expected outputs.
/// </summary>
internal static class BackendSuite
{
    /// <summary>The backend suite's own default tolerance (onnx.backend.test: rtol 1e-3, atol 1e-7).</summary>
    public static readonly Tolerance SuiteTolerance = new(1e-3, 1e-7);

    public static readonly string[] Groups = { "node", "simple", "pytorch-converted", "pytorch-operator" };

    public enum Outcome { Passed, Rejected, Mismatch }

    public static IEnumerable<string> CaseNames()
    {
        foreach (string group in Groups)
        {
            string dir = Path.Combine(TestData.OnnxBackendData, group);
            if (!Directory.Exists(dir)) throw new InvalidOperationException($"test data missing: {dir}");
            foreach (string c in Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal))
                if (File.Exists(Path.Combine(c, "model.onnx"))) yield return $"{group}/{Path.GetFileName(c)}";
        }
    }

    /// <summary>Runs one case; the message says why it did not pass.</summary>
    public static (Outcome Outcome, string Message) Run(string caseName) => RunCase(Path.Combine(TestData.OnnxBackendData, caseName));

    public static (Outcome Outcome, string Message) RunCase(string dir)
    {
        OrtSession session;
        try { session = OrtSession.FromFile(Path.Combine(dir, "model.onnx"), new OrtSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 }); }
        catch (BadInputException e) { return (Outcome.Rejected, e.Message); }
        using (session)
        {
            var sets = Directory.GetDirectories(dir, "test_data_set_*").OrderBy(d => d, StringComparer.Ordinal).ToList();
            if (sets.Count == 0) return (Outcome.Rejected, "no test data sets");
            foreach (string set in sets)
            {
                Dictionary<string, TensorValue> inputs;
                Dictionary<string, TensorValue> expected;
                try
                {
                    inputs = ReadNumbered(set, "input", session.Inputs.Select(i => i.Name).ToList());
                    expected = ReadNumbered(set, "output", session.Outputs.Select(o => o.Name).ToList());
                }
                catch (BadInputException e) { return (Outcome.Rejected, e.Message); }
                Dictionary<string, TensorValue> actual;
                try { actual = session.Run(inputs, expected.Keys.ToList()); }
                catch (BadInputException e) { return (Outcome.Rejected, e.Message); }
                foreach (var (name, want) in expected)
                {
                    var m = TensorComparer.Compare(actual[name], want, want.ElementType.IsFloatingPoint() ? SuiteTolerance : new Tolerance(0, 0));
                    if (!m.Passes)
                        return (Outcome.Mismatch, $"{Path.GetFileName(set)} output '{name}': {m.CountOverTolerance}/{m.Elements} over tolerance, max abs {m.MaxAbs}" +
                            (m.Comparable ? "" : $", shape/type {m.ElementType}[{string.Join(',', m.Shape)}] vs {m.ReferenceElementType ?? m.ElementType}[{string.Join(',', m.ReferenceShape ?? m.Shape)}]"));
                }
            }
        }
        return (Outcome.Passed, "");
    }

    private static Dictionary<string, TensorValue> ReadNumbered(string set, string prefix, List<string> names)
    {
        var result = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        for (int k = 0; ; k++)
        {
            string file = Path.Combine(set, $"{prefix}_{k}.pb");
            if (!File.Exists(file)) break;
            if (k >= names.Count) throw new BadInputException($"{prefix}_{k}.pb has no matching model {prefix} (optional {prefix}s are not mapped)");
            result[names[k]] = TensorProtoFile.Read(file);
        }
        return result;
    }

    public static string ExpectedListPath => Path.Combine(TestData.RepoRoot, "tests", "OnnxNorm.Ort.Tests", "BackendCasesExpectedToPass.txt");
}
