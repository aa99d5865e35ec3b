using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

public class ColumnTaskWidthTests
{
    [Fact]
    public void A28x28MapOnTwoThreadsIsCutIntoFour192ColumnTasksAndA16ColumnOne()
    {
        // 224-wide tasks (the equal-chunk cut) give 224 + 224 | 224 + 112: 448 against 336 columns.
        // 192-wide give 192 + 192 + 16 | 192 + 192: 400 against 384.
        Assert.Equal(192, ColumnTaskWidth.Choose(784, 1, 2, 224));
    }

    [Fact]
    public void A56x56MapOnTwoThreadsKeepsFourteenEqual224ColumnTasks()
    {
        Assert.Equal(224, ColumnTaskWidth.Choose(3136, 1, 2, 224));
    }

    [Fact]
    public void ChosenWidthsAreWholeMultiplesOf32ColumnsSoResultsStayBitIdentical()
    {
        foreach (int n in new[] { 129, 200, 400, 784, 1000, 3136, 12544 })
            foreach (int threads in new[] { 2, 3, 4 })
                foreach (int count in new[] { 1, 2, 3 })
                    Assert.Equal(0, ColumnTaskWidth.Choose(n, count, threads, 256) % 32);
    }
}
