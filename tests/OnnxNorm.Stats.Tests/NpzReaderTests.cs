using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

public class NpzReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_every_entry_in_archive_order(bool compressed)
    {
        string path = Path.Combine(TestData.NewTempDir(), "a.npz");
        var a = TensorValue.FromFloats(new long[] { 2, 3 }, new float[] { 1, 2, 3, 4, 5, 6 });
        var b = TensorValue.Wrap(ElementType.Int64, new long[] { 2 }, new long[] { -7, 9 });
        NpzTestFiles.Write(path, new[] { ("zeta", a), ("alpha", b) }, compressed);
        Assert.Equal(new[] { "zeta", "alpha" }, NpzReader.EntryNames(path));
        var read = NpzReader.Read(path).ToList();
        Assert.Equal("zeta", read[0].Name);
        Assert.Equal(new long[] { 2, 3 }, read[0].Value.Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, read[0].Value.AsSpan<float>().ToArray());
        Assert.Equal(new long[] { -7, 9 }, read[1].Value.AsSpan<long>().ToArray());
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_bad_input()
    {
        string path = Path.Combine(TestData.NewTempDir(), "x.npz");
        File.WriteAllText(path, "not a zip");
        Assert.Throws<BadInputException>(() => NpzReader.Read(path).ToList());
    }
}
