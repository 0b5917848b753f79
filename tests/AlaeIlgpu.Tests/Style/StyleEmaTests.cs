using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Backends;

namespace AlaeIlgpu.Tests.Style;

/// <summary>The EMA copy that every figure and picture command draws from.</summary>
public class StyleEmaTests
{
    [Fact]
    public void TheEmaDrawsWithTheTrainedStyleAverage()
    {
        var kind = RunCatalog.Find(StyleModelKind.ModelName);
        var config = kind.LoadConfig("tiny", ["model.layer_count=2", "model.start_channels=4", "model.max_channels=8", "model.latent_size=8"]);
        using var trainer = (StyleAlaeTrainer)kind.CreateTrainer(config, CpuBackend.Instance);
        for (int i = 0; i < 3; i++) trainer.TrainIteration();
        float[] trained = trainer.Model.StyleAverage.ToArray();
        Assert.Contains(trained, v => v != 0f);   // the average has moved off its zero start
        Assert.Equal(trained, trainer.Ema.StyleAverage.ToArray());
    }
}
