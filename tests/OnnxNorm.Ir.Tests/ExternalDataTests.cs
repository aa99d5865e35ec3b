using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ir.Tests;

public class ExternalDataTests
{
    private static (string Dir, string Model) SmallModelOnDisk()
    {
        string dir = TestData.NewTempDir();
        string path = Path.Combine(dir, "m.onnx");
        CnnModels.ConvBnSmall().Save(path);
        return (dir, path);
    }

    [Fact]
    public void ExternalDataRoundTripsBackToTheSameInlineBytes()
    {
        var (dir, path) = SmallModelOnDisk();
        string ext = Path.Combine(dir, "ext.onnx");
        using (var m = ModelLoader.Load(path))
            ModelSaver.Save(m, ext, new SaveOptions { ExternalDataFile = "ext.onnx.data" });
        Assert.True(new FileInfo(ext).Length < new FileInfo(path).Length / 2, "weights should have moved out");
        using (var e = ModelLoader.Load(ext))
        {
            Assert.Contains(e.AllInitializers(), t => t.IsExternal);
            foreach (var t in e.AllInitializers().Where(t => t.IsExternal))
                Assert.Equal(0, t.External!.Offset % 4096);
            string back = Path.Combine(dir, "back.onnx");
            ModelSaver.Save(e, back, new SaveOptions { Inline = true });
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(back));
        }
    }

    [Fact]
    public void ExistingDataFileIsNeverAppendedTo()
    {
        var (dir, path) = SmallModelOnDisk();
        File.WriteAllBytes(Path.Combine(dir, "w.data"), new byte[] { 1, 2, 3 });
        using var m = ModelLoader.Load(path);
        var e = Assert.Throws<BadInputException>(() => ModelSaver.Save(m, Path.Combine(dir, "o.onnx"), new SaveOptions { ExternalDataFile = "w.data" }));
        Assert.Contains("already exists", e.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(dir, "w.data")));
        Assert.False(File.Exists(Path.Combine(dir, "o.onnx")));
    }

    [Fact]
    public void OverwritingTheInputIsRefusedWithoutForce()
    {
        var (_, path) = SmallModelOnDisk();
        byte[] before = File.ReadAllBytes(path);
        using var m = ModelLoader.Load(path);
        var e = Assert.Throws<BadInputException>(() => ModelSaver.Save(m, path));
        Assert.Contains("--force", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void FailedSaveLeavesNoFileBehind()
    {
        var (dir, path) = SmallModelOnDisk();
        using var m = ModelLoader.Load(path);
        string target = Path.Combine(dir, "out.onnx");
        Assert.Throws<InvalidOperationException>(() => OutputPolicy.Write(target, "the test output", false, s => { s.WriteByte(1); throw new InvalidOperationException("disk full"); }));
        Assert.Equal(new[] { "m.onnx" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
    }

    [Fact]
    public void SaveRefusesToWriteThroughASymlink()
    {
        var (dir, path) = SmallModelOnDisk();
        string victim = Path.Combine(TestData.NewTempDir(), "victim.onnx");
        File.WriteAllText(victim, "keep");
        string link = Path.Combine(dir, "link.onnx");
        File.CreateSymbolicLink(link, victim);
        using var m = ModelLoader.Load(path);
        Assert.Throws<BadInputException>(() => ModelSaver.Save(m, link));
        Assert.Equal("keep", File.ReadAllText(victim));
    }

    // ---- hostile external references ----

    private static string ModelWithExternal(string dir, params (string Key, string Value)[] entries)
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 4);
        var t = new TensorProto { Name = "w", DataType = 1, Dims = { 4 }, DataLocation = TensorProto.Types.DataLocation.External };
        foreach (var (k, v) in entries) t.ExternalData.Add(new StringStringEntryProto { Key = k, Value = v });
        b.Graph.Initializer.Add(t);
        b.Node("Add", new[] { "x", "w" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, 4);
        string path = Path.Combine(dir, "model.onnx");
        b.Save(path);
        return path;
    }

    private static string ExternalError(params (string, string)[] entries)
    {
        string dir = TestData.NewTempDir();
        File.WriteAllBytes(Path.Combine(dir, "ok.bin"), new byte[16]);
        string path = ModelWithExternal(dir, entries);
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(path).Dispose());
        Assert.Contains("'w'", e.Message);
        return e.Message;
    }

    [Fact]
    public void ValidExternalReferenceLoads()
    {
        string dir = TestData.NewTempDir();
        var data = new float[] { 1, 2, 3, 4 };
        File.WriteAllBytes(Path.Combine(dir, "ok.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        using var m = ModelLoader.Load(ModelWithExternal(dir, ("location", "ok.bin")));
        Assert.Equal(new double[] { 1, 2, 3, 4 }, m.Graph.Find("w")!.Initializer!.ToDoubles());
    }

    [Fact] public void ParentEscape() => Assert.Contains("escapes", ExternalError(("location", "../ok.bin")));
    [Fact] public void NestedParentEscape() => Assert.Contains("escapes", ExternalError(("location", "a/../../ok.bin")));
    [Fact] public void AbsolutePath() => Assert.Contains("absolute", ExternalError(("location", "/etc/passwd")));
    [Fact] public void DrivePath() => Assert.Contains("absolute", ExternalError(("location", "C:\\x.bin")));
    [Fact] public void UncPath() => Assert.Contains("absolute", ExternalError(("location", "\\\\server\\share\\x.bin")));
    [Fact] public void OrtMemoryAddress() => Assert.Contains("in-memory", ExternalError(("location", "*/_ORT_MEM_ADDR_/*"), ("offset", "0")));
    [Fact] public void UnknownKey() => Assert.Contains("unknown external_data key", ExternalError(("location", "ok.bin"), ("basepath", "/")));
    [Fact] public void NegativeOffset() => Assert.Contains("offset", ExternalError(("location", "ok.bin"), ("offset", "-4")));
    [Fact] public void HugeLength() => Assert.Contains("overflows", ExternalError(("location", "ok.bin"), ("offset", "8"), ("length", long.MaxValue.ToString())));
    [Fact] public void PastTheEnd() => Assert.Contains("past the end", ExternalError(("location", "ok.bin"), ("offset", "8"), ("length", "16")));
    [Fact] public void MissingFile() => Assert.Contains("does not exist", ExternalError(("location", "nope.bin")));
    [Fact] public void WrongLength() => Assert.Contains("need 16", ExternalError(("location", "ok.bin"), ("length", "8")));

    [Fact]
    public void SymlinkLeadingOutsideIsRefused()
    {
        string outside = TestData.NewTempDir();
        File.WriteAllBytes(Path.Combine(outside, "secret.bin"), new byte[16]);
        string dir = TestData.NewTempDir();
        File.CreateSymbolicLink(Path.Combine(dir, "link.bin"), Path.Combine(outside, "secret.bin"));
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(ModelWithExternal(dir, ("location", "link.bin"))).Dispose());
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void SymlinkedFolderLeadingOutsideIsRefused()
    {
        string outside = TestData.NewTempDir();
        File.WriteAllBytes(Path.Combine(outside, "secret.bin"), new byte[16]);
        string dir = TestData.NewTempDir();
        Directory.CreateSymbolicLink(Path.Combine(dir, "sub"), outside);
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(ModelWithExternal(dir, ("location", "sub/secret.bin"))).Dispose());
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void HardlinkedFileIsRefused()
    {
        string dir = TestData.NewTempDir();
        File.WriteAllBytes(Path.Combine(dir, "a.bin"), new byte[16]);
        var psi = new System.Diagnostics.ProcessStartInfo("ln", new[] { Path.Combine(dir, "a.bin"), Path.Combine(dir, "b.bin") });
        using (var p = System.Diagnostics.Process.Start(psi)!) { p.WaitForExit(); Assert.Equal(0, p.ExitCode); }
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(ModelWithExternal(dir, ("location", "b.bin"))).Dispose());
        Assert.Contains("hard links", e.Message);
    }
}

public class LargeModelTests
{
    [Fact]
    public void ModelsOverTheInlineLimitAreWrittenWithExternalData()
    {
        // A 2 GiB model is too heavy for CI; the same rule is checked with a lowered limit.
        string dir = TestData.NewTempDir();
        string path = Path.Combine(dir, "m.onnx");
        CnnModels.ConvBnSmall().Save(path);
        using var m = ModelLoader.Load(path);
        string outPath = Path.Combine(dir, "big.onnx");
        ModelSaver.Save(m, outPath, new SaveOptions { MaxInlineBytes = 1000 });
        Assert.True(File.Exists(outPath + ".data"));
        using var e = ModelLoader.Load(outPath);
        Assert.Contains(e.AllInitializers(), t => t.IsExternal);
        var inlineErr = Assert.Throws<BadInputException>(() => ModelSaver.Save(e, Path.Combine(dir, "x.onnx"), new SaveOptions { Inline = true, MaxInlineBytes = 1000 }));
        Assert.Contains("--external-data", inlineErr.Message);
    }
}
