using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Workflows.Statistics;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

public class CalibrationDataTests
{
    private static TensorValue Batch(float v) => TensorValue.FromFloats(new long[] { 1, 2 }, new[] { v, v });

    [Fact]
    public void Batches_are_read_one_file_at_a_time()
    {
        // The second file is not a .npy: if files were read ahead (or all at once) the first batch would fail.
        string dir = TestData.NewTempDir();
        NpyFile.Write(Path.Combine(dir, "a.npy"), Batch(1));
        File.WriteAllText(Path.Combine(dir, "b.npy"), "not numpy");
        var data = CalibrationData.Parse(new[] { dir }, new[] { "x" });
        using var e = data.Batches().GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(1f, e.Current["x"].AsSpan<float>()[0]);
        Assert.Throws<BadInputException>(() => e.MoveNext());
    }

    [Fact]
    public void Several_inputs_advance_together_and_must_have_as_many_batches()
    {
        string dir = TestData.NewTempDir();
        string a = Path.Combine(dir, "a.npz"), b = Path.Combine(dir, "b.npz");
        NpzTestFiles.Write(a, new[] { ("0", Batch(1)), ("1", Batch(2)) });
        NpzTestFiles.Write(b, new[] { ("0", Batch(10)), ("1", Batch(20)) });
        var data = CalibrationData.Parse(new[] { "u=" + a, "v=" + b }, new[] { "u", "v" });
        var batches = data.Batches().Select(f => (f["u"].AsSpan<float>()[0], f["v"].AsSpan<float>()[0])).ToList();
        Assert.Equal(new[] { (1f, 10f), (2f, 20f) }, batches);

        NpzTestFiles.Write(b, new[] { ("0", Batch(10)) });
        var uneven = CalibrationData.Parse(new[] { "u=" + a, "v=" + b }, new[] { "u", "v" });
        Assert.Throws<BadInputException>(() => uneven.Batches().ToList());
        Assert.Throws<BadInputException>(() => CalibrationData.Parse(new[] { a }, new[] { "u", "v" }));
        Assert.Throws<BadInputException>(() => CalibrationData.Parse(new[] { "u=" + a }, new[] { "u", "v" }));
    }
}
