using System.Security.Cryptography;
using System.Text;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Makes a model and its external data file one unit. A save writes the SHA-256 of the data into the data
/// file's first page and into the model's metadata ("onnxnorm.external_data" = "LOCATION sha256:HEX"); a
/// load compares the two and refuses a model beside another save's data (a kill between the two renames,
/// or a data file replaced by a concurrent save) instead of running it on the wrong weights. The hash is
/// of the content, so the same model still saves to the same bytes. Tensors start after the first page.
/// </summary>
internal sealed class ExternalDataSeal
{
    public const string MetadataKey = "onnxnorm.external_data";
    public const int HeaderBytes = 4096;
    private const string Magic = "onnxnorm external data\n";
    private readonly string _location;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _hex;

    public ExternalDataSeal(string location) => _location = location;

    public void WriteHeaderPlaceholder(Stream s) => s.Write(new byte[HeaderBytes]);

    public void Add(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    /// <summary>Writes the hash into the header page (the stream is a file, so it can seek back).</summary>
    public void Finish(Stream s)
    {
        _hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
        long end = s.Position;
        s.Position = 0;
        s.Write(Header(_hex));
        s.Position = end;
    }

    public StringStringEntryProto ToMetadata() =>
        new() { Key = MetadataKey, Value = $"{_location} sha256:{_hex ?? throw new InvalidOperationException("the data was not written yet")}" };

    private static byte[] Header(string hex) => Encoding.ASCII.GetBytes($"{Magic}sha256:{hex}\n");

    /// <summary>
    /// Removes the seal from a loaded model's metadata (the saver writes a fresh one) and checks it against
    /// the data file's header. Throws <see cref="BadInputException"/> on a mismatch.
    /// </summary>
    public static void Verify(ModelProto shell, ExternalDataStore? store)
    {
        for (int i = shell.MetadataProps.Count - 1; i >= 0; i--)
        {
            var entry = shell.MetadataProps[i];
            if (entry.Key != MetadataKey) continue;
            shell.MetadataProps.RemoveAt(i);
            if (store is null) continue;
            int space = entry.Value.LastIndexOf(' ');
            if (space <= 0 || !entry.Value[(space + 1)..].StartsWith("sha256:", StringComparison.Ordinal))
                throw new BadInputException($"metadata {MetadataKey} '{entry.Value}' is not 'LOCATION sha256:HEX'");
            string location = entry.Value[..space];
            string expected = entry.Value[(space + 8)..];
            byte[] want = Header(expected);
            var have = store.ReadHead(location, want.Length, "external data seal");
            if (!have.AsSpan().SequenceEqual(want))
                throw new BadInputException($"external data file '{location}' does not belong to this model: it was written by another save (the model and its data must be saved together)");
        }
    }
}
