using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>Issue 14, items 10 and 12: nothing a model names reaches the terminal as a control character; usage errors are one line.</summary>
public class TerminalAndUsageTests
{
    private const string Forged = "\u001b[32mok\u001b[0m\r\b\v\0\u001b]0;title\u0007\u009b2J";

    private static void AssertNoControlCharacters(string text, string what)
    {
        foreach (char c in text)
            Assert.False(c != '\n' && (char.IsControl(c) || c is '\u202E'), $"{what} holds U+{(int)c:X4}: {text}");
    }

    private static string HostileNamesModel(string dir)
    {
        var b = new ModelBuilder(opset: 17, graphName: "g" + Forged);
        var x = b.Input("x" + Forged, ElementType.Float, 1, 3, 4, 4);
        var p = Enumerable.Repeat(1.0, 3).ToArray();
        string bn = "bn" + Forged;
        // A training-mode BN is left in place, so optimize prints its name with the reason.
        b.Node("BatchNormalization", new[] { x, b.Initializer("s", ElementType.Float, new long[] { 3 }, p), b.Initializer("b", ElementType.Float, new long[] { 3 }, new double[3]),
            b.Initializer("m", ElementType.Float, new long[] { 3 }, new double[3]), b.Initializer("v", ElementType.Float, new long[] { 3 }, p) },
            new[] { "y" + Forged }, bn, ("training_mode", 1L));
        b.Output("y" + Forged, ElementType.Float, 1, 3, 4, 4);
        b.Model.ProducerName = "producer" + Forged;
        string path = Path.Combine(dir, "names.onnx");
        b.Save(path);
        return path;
    }

    [Fact]
    public void Control_characters_in_model_names_are_escaped_on_stdout_and_stderr()
    {
        string dir = TestData.NewTempDir();
        string model = HostileNamesModel(dir);
        foreach (var args in new[]
        {
            new[] { "inspect", model },
            new[] { "optimize", model, "-o", Path.Combine(dir, "o.onnx") },
            new[] { "freeze-bn", model, "-o", Path.Combine(dir, "f.onnx") },
            new[] { "run", model, "--engine", "native" },
        })
        {
            var r = OnnxnormProcess.Run(args);
            AssertNoControlCharacters(r.Stdout, $"{args[0]} stdout");
            AssertNoControlCharacters(r.Stderr, $"{args[0]} stderr");
        }
        var shown = OnnxnormProcess.Run("inspect", model);
        Assert.Contains("bn\\x1B[32mok\\x1B[0m\\x0D\\x08\\x0B\\x00", shown.Stdout);
    }

    [Fact]
    public void An_error_message_naming_a_hostile_value_is_escaped_and_stays_one_line()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        var x = b.Input("x", ElementType.Float, 2);
        b.Node("Add", new[] { x, "missing\n" + Forged }, new[] { "y" }, "add" + Forged);
        b.Output("y", ElementType.Float, 2);
        string model = Path.Combine(dir, "err.onnx");
        b.Save(model);
        var r = OnnxnormProcess.Run("inspect", model);
        CliAssert.BadInput(r, "nothing defines");
        AssertNoControlCharacters(r.Stderr, "stderr");
        Assert.Contains("\\x1B[32mok", r.Stderr);
    }

    [Fact]
    public void A_usage_error_is_one_line()
    {
        var r = OnnxnormProcess.Run("convert", TestData.TestModel("convbn_small.onnx"));
        CliAssert.BadInput(r, "--output");
    }

    [Fact]
    public void An_unknown_verb_is_named_as_unknown()
    {
        var r = OnnxnormProcess.Run("frobnicate", "x.onnx");
        CliAssert.BadInput(r, "unknown verb 'frobnicate'");
        Assert.DoesNotContain("Required command", r.Stderr);
    }

    [Fact]
    public void A_sparse_initializer_is_reported_as_unsupported_not_as_undefined()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        var x = b.Input("x", ElementType.Float, 4);
        var values = ModelBuilder.MakeTensor("w", ElementType.Float, new long[] { 1 }, new[] { 2.0 });
        var indices = ModelBuilder.MakeInt64Tensor("w_idx", new long[] { 1 }, new long[] { 3 });
        b.Graph.SparseInitializer.Add(new SparseTensorProto { Values = values, Indices = indices, Dims = { 4 } });
        b.Node("Add", new[] { x, "w" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, 4);
        string model = Path.Combine(dir, "sparse.onnx");
        b.Save(model);
        var r = OnnxnormProcess.Run("inspect", model);
        CliAssert.BadInput(r, "sparse_initializer 'w' is not supported");
    }
}
