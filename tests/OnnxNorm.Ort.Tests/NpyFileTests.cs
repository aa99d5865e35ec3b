using System.Text;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;

namespace OnnxNorm.Ort.Tests;

/// <summary>.npy against byte fixtures written out by hand from the format description (magic, version,
/// little-endian header length, the header dict padded with spaces to a multiple of 64 and ended by '\n').</summary>
public class NpyFileTests
{
    private static byte[] Fixture(byte major, byte[] lengthField, string paddedHeader, params byte[][] data)
    {
        var b = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        b.AddRange(lengthField);
        b.AddRange(Encoding.Latin1.GetBytes(paddedHeader));
        foreach (var d in data) b.AddRange(d);
        return b.ToArray();
    }

    private static string Pad(string dict, int total) => dict + new string(' ', total - dict.Length - 1) + "\n";

    // float32 [[1, 2, 3], [4, 5, -0.5]]; 10 bytes of preamble + 118 of header = 128.
    private static readonly byte[] Float32Fixture = Fixture(1, new byte[] { 118, 0 },
        Pad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 118),
        new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xA0, 0x40, 0, 0, 0, 0xBF });

    [Fact]
    public void Reads_and_writes_float32_exactly_like_the_fixture()
    {
        var t = NpyFile.Read(new MemoryStream(Float32Fixture), "f.npy");
        Assert.Equal(ElementType.Float, t.ElementType);
        Assert.Equal(new long[] { 2, 3 }, t.Shape);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, -0.5f }, t.AsSpan<float>().ToArray());
        var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        Assert.Equal(Float32Fixture, ms.ToArray());
    }

    [Fact]
    public void Reads_version_2_and_3_headers()
    {
        // int64 [7, -1] with a 4-byte header length; version 3 allows UTF-8 in the header.
        var data = new byte[] { 7, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
        var v2 = Fixture(2, new byte[] { 116, 0, 0, 0 }, Pad("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 116), data);
        var t2 = NpyFile.Read(new MemoryStream(v2), "v2.npy");
        Assert.Equal(new long[] { 7, -1 }, t2.AsSpan<long>().ToArray());
        var v3 = Fixture(3, new byte[] { 116, 0, 0, 0 }, Pad("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 116), data);
        Assert.Equal(new long[] { 7, -1 }, NpyFile.Read(new MemoryStream(v3), "v3.npy").AsSpan<long>().ToArray());
    }

    [Fact]
    public void Bool_half_and_scalar_fixtures()
    {
        var boolFixture = Fixture(1, new byte[] { 118, 0 }, Pad("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", 118), new byte[] { 1, 0, 1 });
        var b = NpyFile.Read(new MemoryStream(boolFixture), "b.npy");
        Assert.Equal(new[] { true, false, true }, b.AsSpan<bool>().ToArray());
        var ms = new MemoryStream();
        NpyFile.Write(ms, b);
        Assert.Equal(boolFixture, ms.ToArray());

        // float16 1.0 = 0x3C00, -2.0 = 0xC000
        var halfFixture = Fixture(1, new byte[] { 118, 0 }, Pad("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", 118), new byte[] { 0x00, 0x3C, 0x00, 0xC0 });
        var h = NpyFile.Read(new MemoryStream(halfFixture), "h.npy");
        Assert.Equal(new[] { (Half)1, (Half)(-2) }, h.AsSpan<Half>().ToArray());
        ms = new MemoryStream();
        NpyFile.Write(ms, h);
        Assert.Equal(halfFixture, ms.ToArray());

        var scalarFixture = Fixture(1, new byte[] { 118, 0 }, Pad("{'descr': '<i4', 'fortran_order': False, 'shape': (), }", 118), new byte[] { 42, 0, 0, 0 });
        var s = NpyFile.Read(new MemoryStream(scalarFixture), "s.npy");
        Assert.Empty(s.Shape);
        Assert.Equal(42, s.AsSpan<int>()[0]);
        ms = new MemoryStream();
        NpyFile.Write(ms, s);
        Assert.Equal(scalarFixture, ms.ToArray());
    }

    [Fact]
    public void Unicode_strings_round_trip()
    {
        var t = TensorValue.Wrap(ElementType.String, new long[] { 2 }, new[] { "ab", "é" });
        var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        var back = NpyFile.Read(new MemoryStream(ms.ToArray()), "u.npy");
        Assert.Equal(new[] { "ab", "é" }, (string[])back.Buffer);
        Assert.Contains("'<U2'", Encoding.Latin1.GetString(ms.ToArray()));
    }

    [Fact]
    public void Every_numeric_type_round_trips()
    {
        foreach (var type in new[] { ElementType.Double, ElementType.Int32, ElementType.Int16, ElementType.Int8, ElementType.UInt8, ElementType.UInt16, ElementType.UInt32, ElementType.UInt64 })
        {
            var t = InputGenerator.Random(type, new long[] { 3, 2 }, 9);
            var ms = new MemoryStream();
            NpyFile.Write(ms, t);
            Assert.Equal(0L, (ms.Length - t.AsBytes().Length) % 64); // header block is 64-aligned
            var back = NpyFile.Read(new MemoryStream(ms.ToArray()), "x.npy");
            Assert.Equal(type, back.ElementType);
            Assert.Equal(t.AsBytes().ToArray(), back.AsBytes().ToArray());
        }
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "Fortran")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "big-endian")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "not supported")]
    [InlineData("{'descr': '<f4', 'shape': (1,), }", "fortran_order")]
    public void Rejects_what_it_cannot_read_with_a_clear_message(string dict, string expected)
    {
        var bytes = Fixture(1, new byte[] { 118, 0 }, Pad(dict, 118), new byte[] { 0, 0, 0x80, 0x3F });
        var e = Assert.Throws<BadInputException>(() => NpyFile.Read(new MemoryStream(bytes), "bad.npy"));
        Assert.StartsWith("bad.npy:", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Rejects_short_data_and_bad_magic()
    {
        var shortData = Float32Fixture[..^4];
        Assert.Contains("shorter", Assert.Throws<BadInputException>(() => NpyFile.Read(new MemoryStream(shortData), "s.npy")).Message);
        Assert.Contains("magic", Assert.Throws<BadInputException>(() => NpyFile.Read(new MemoryStream(new byte[20]), "z.npy")).Message);
        Assert.Contains("not found", Assert.Throws<BadInputException>(() => NpyFile.Read("/nonexistent/x.npy")).Message);
    }

    [Fact]
    public void Bfloat16_is_written_as_float32()
    {
        var t = TensorValue.Wrap(ElementType.BFloat16, new long[] { 2 }, new ushort[] { 0x3F80, 0xC040 }); // 1.0, -3.0
        var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        var back = NpyFile.Read(new MemoryStream(ms.ToArray()), "bf.npy");
        Assert.Equal(new[] { 1f, -3f }, back.AsSpan<float>().ToArray());
    }

    [Fact]
    public void TensorProto_files_round_trip()
    {
        string dir = OnnxNorm.TestSupport.TestData.NewTempDir();
        string path = Path.Combine(dir, "t.pb");
        var t = TensorValue.FromFloats(new long[] { 2, 2 }, new[] { 1f, -2f, 3.5f, 0f });
        TensorProtoFile.Write(path, t, "x");
        var (name, back) = TensorProtoFile.ReadNamed(path);
        Assert.Equal("x", name);
        Assert.Equal(t.Shape, back.Shape);
        Assert.Equal(new[] { 1f, -2f, 3.5f, 0f }, back.AsSpan<float>().ToArray());
    }
}
