// Some tests switch kernels process-wide (GemmMicroKernel.ForceScalar, WideGemmMicroKernel.DisableForTesting);
// running test classes one at a time keeps those switches from changing kernels under another test, which
// matters for the tests that expect bit-identical results.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
