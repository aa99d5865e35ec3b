using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ir.Tests;

/// <summary>
/// Issue 14, item 11: the external data file is opened first and what was opened is checked, so a symlink
/// swapped in after a check by path cannot make a load read a file outside the model's folder.
/// </summary>
public class ExternalDataRaceTests
{
    [Fact]
    public async Task Swapping_the_data_file_for_a_symlink_outside_never_lets_a_load_read_the_outside_file()
    {
        string dir = TestData.NewTempDir();
        string outside = Path.Combine(TestData.NewTempDir(), "secret.bin");
        var inside = Enumerable.Repeat((byte)0x11, 4096).ToArray();
        File.WriteAllBytes(outside, Enumerable.Repeat((byte)0x66, 4096).ToArray());
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1024);
        var t = new TensorProto { Name = "w", DataType = 1, Dims = { 1024 }, DataLocation = TensorProto.Types.DataLocation.External };
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "data.bin" });
        b.Graph.Initializer.Add(t);
        b.Node("Add", new[] { "x", "w" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, 1024);
        string model = Path.Combine(dir, "model.onnx");
        b.Save(model);
        string data = Path.Combine(dir, "data.bin");
        File.WriteAllBytes(data, inside);

        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string staged = Path.Combine(dir, $"staged{i}");
                if (i % 2 == 0) File.CreateSymbolicLink(staged, outside);
                else File.WriteAllBytes(staged, inside);
                File.Move(staged, data, overwrite: true);
            }
        });
        int loaded = 0, refused = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            try
            {
                using var m = ModelLoader.Load(model);
                var bytes = m.Graph.Find("w")!.Initializer!.Bytes.ToArray();
                Assert.True(bytes.SequenceEqual(inside), "a load read the file outside the model's folder");
                loaded++;
            }
            catch (BadInputException) { refused++; }
        }
        stop.Cancel();
        await swapper;
        Assert.True(loaded > 0 && refused > 0, $"the race was not exercised: {loaded} loads, {refused} refusals");
    }
}
