// The quick start works in the current directory and the package tests run dotnet pack on shared projects:
// one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
