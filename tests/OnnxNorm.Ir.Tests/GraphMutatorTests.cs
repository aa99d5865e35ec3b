using OnnxNorm.TestModels;

namespace OnnxNorm.Ir.Tests;

/// <summary>The graph's lists change only through its methods, and those refuse what would break a value's role.</summary>
public class GraphMutatorTests
{
    private static Model Load() => ModelLoader.Load(CnnModels.ConvBnSmall().ToBytes());

    [Fact]
    public void AComputedValueCannotBecomeAGraphInput()
    {
        using var m = Load();
        var computed = m.Graph.Nodes[0].Output(0)!;
        var e = Assert.Throws<InvalidOperationException>(() => m.Graph.AddInput(computed));
        Assert.Contains(computed.Name, e.Message);
        Assert.DoesNotContain(computed, m.Graph.Inputs);
    }

    [Fact]
    public void AValueOfAnotherModelCannotBecomeAnOutput()
    {
        using var m = Load();
        using var other = Load();
        Assert.Throws<InvalidOperationException>(() => m.Graph.AddOutput(other.Graph.Nodes[0].Output(0)!));
    }

    [Fact]
    public void AnInputIsListedOnceAndAnUsedInputCannotBeRemoved()
    {
        using var m = Load();
        var x = m.Graph.Inputs[0];
        Assert.Throws<InvalidOperationException>(() => m.Graph.AddInput(x));
        Assert.Throws<InvalidOperationException>(() => m.Graph.RemoveInput(x));
        var fresh = m.Graph.CreateValue("extra_input");
        m.Graph.AddInput(fresh);
        Assert.True(fresh.IsGraphInput);
        m.Graph.RemoveInput(fresh);
        Assert.False(fresh.IsGraphInput);
        Assert.Null(m.Graph.Find("extra_input"));
    }

    [Fact]
    public void ANewNodeOrderMustHoldExactlyTheGraphsNodes()
    {
        using var m = Load();
        var nodes = m.Graph.Nodes.ToList();
        Assert.Throws<InvalidOperationException>(() => m.Graph.ReorderNodes(nodes.Skip(1).ToList()));
        Assert.Throws<InvalidOperationException>(() => m.Graph.ReorderNodes(nodes.Skip(1).Append(nodes[1]).ToList()));
        var reversed = Enumerable.Reverse(nodes).ToList();
        m.Graph.ReorderNodes(reversed);
        Assert.Equal(reversed, m.Graph.Nodes);
    }
}
