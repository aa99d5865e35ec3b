using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Engines;

/// <summary>
/// The native executor as an activation engine: an observer asks for exactly the watched values, so the
/// executor hands each one over right after it is produced (and never fuses it away), and the statistics
/// are taken before the buffer is reused. No value is copied and nothing extra is kept alive.
/// </summary>
public sealed class NativeActivationEngine : IActivationEngine
{
    private readonly NativeSession _session;
    private readonly WatchObserver _observer;
    private readonly List<string> _fromFeeds;

    private NativeActivationEngine(NativeSession session, WatchObserver observer, List<string> fromFeeds)
    {
        _session = session; _observer = observer; _fromFeeds = fromFeeds;
    }

    /// <summary>An engine on the native executor that watches <paramref name="watched"/> in <paramref name="model"/>.</summary>
    public static IActivationEngine Create(Model model, IReadOnlySet<string> watched)
    {
        var observer = new WatchObserver(watched);
        // A watched graph input is not produced by any node; it is taken from the feeds.
        var fromFeeds = model.Graph.Inputs.Where(v => watched.Contains(v.Name)).Select(v => v.Name).ToList();
        var session = NativeSession.Create(model, SessionOptions.Default with { Observer = observer });
        return new NativeActivationEngine(session, observer, fromFeeds);
    }

    /// <inheritdoc/>
    public void Run(IReadOnlyDictionary<string, TensorValue> feeds, Action<string, TensorValue> onWatched)
    {
        foreach (var name in _fromFeeds) onWatched(name, feeds[name]);
        _observer.Sink = onWatched;
        try { _session.Run(feeds); }
        finally { _observer.Sink = null; }
    }

    /// <inheritdoc/>
    public void Dispose() { }

    private sealed class WatchObserver : IExecutionObserver
    {
        private readonly IReadOnlySet<string> _watched;

        public WatchObserver(IReadOnlySet<string> watched) => _watched = watched;

        public Action<string, TensorValue>? Sink { get; set; }

        public bool Wants(Node producer, int outputIndex) =>
            producer.Output(outputIndex) is { } v && _watched.Contains(v.Name);

        public void OnValue(Node producer, int outputIndex, TensorValue value) =>
            Sink?.Invoke(producer.Output(outputIndex)!.Name, value);
    }
}
