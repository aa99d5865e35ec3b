// The CLI tests swap Console.Out/Error, which are process-wide: tests of this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
