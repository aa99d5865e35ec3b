using System.Runtime.InteropServices;

namespace OnnxNorm.Runtime.Ort;

/// <summary>
/// Owns one ORT object (session, value, ...) and releases it with the matching Release function of the API
/// table, exactly once, even if the owner forgets to dispose it.
/// </summary>
internal sealed class OrtHandle : SafeHandle
{
    private readonly int _releaseIndex;

    public OrtHandle(IntPtr handle, int releaseIndex) : base(IntPtr.Zero, ownsHandle: true)
    {
        _releaseIndex = releaseIndex;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        OrtNativeApi.Instance.Release(_releaseIndex, handle);
        return true;
    }
}
