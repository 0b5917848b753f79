using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Tests.Style;

public sealed class LodScheduleTests
{
    /// <summary>α is a cosine of exact inputs; 1e-12 leaves room for its rounding only.</summary>
    private const double AlphaTolerance = 1e-12;

    private static LodSchedule Mnist(double? kimg = null)
    {
        StyleAlaeConfig config = StyleAlaeConfigs.Load("mnist");
        return new LodSchedule(config with { Schedule = config.Schedule with { Kimg = kimg } });
    }

    private static LodStep StepAt(LodSchedule schedule, long images)
    {
        Assert.True(schedule.TryGetStep(images, out LodStep step));
        return step;
    }

    [Fact]
    public void MnistFollowsTheOfficialEpochs()
    {
        LodSchedule schedule = Mnist();

        Assert.Equal(60_000, schedule.EpochImages);
        Assert.Equal(60 * 60_000, schedule.TotalImages);
        Assert.Equal((0, 3), (schedule.FirstLod, schedule.LastLod));
        Assert.Equal([0L, 600_000, 1_200_000, 1_800_000], Enumerable.Range(0, 4).Select(schedule.LodStart));
        LodStep lastOfLod0 = StepAt(schedule, 599_808), firstOfLod1 = StepAt(schedule, 599_936); // 128 does not fit before 600,000
        Assert.Equal((0, 4, 128, false), (lastOfLod0.Lod, lastOfLod0.Resolution, lastOfLod0.BatchSize, lastOfLod0.LodChanged));
        Assert.Equal((600_000L, 1, 8, true), (firstOfLod1.FirstImage, firstOfLod1.Lod, firstOfLod1.Resolution, firstOfLod1.LodChanged));
        LodStep top = StepAt(schedule, 3_000_000);
        Assert.Equal((3, 32, 64, 0.0015, 1.0, false), (top.Lod, top.Resolution, top.BatchSize, top.LearningRate, top.Alpha, top.InTransition));
        Assert.Equal(50, top.Epoch);
        Assert.False(schedule.TryGetStep(60 * 60_000 - 63, out _));
    }

    [Fact]
    public void TheNewBlockBlendsInOverHalfOfItsLodsEpochs()
    {
        LodSchedule schedule = Mnist();
        const long Lod2 = 1_200_000, Transition = 5 * 60_000;

        LodStep start = StepAt(schedule, Lod2), middle = StepAt(schedule, Lod2 + Transition / 2), end = StepAt(schedule, Lod2 + Transition);

        Assert.Equal((0.0, true), (start.Alpha, start.InTransition));
        Assert.Equal(0.5, middle.Alpha, AlphaTolerance);
        Assert.True(middle.InTransition);
        Assert.Equal((1.0, false), (end.Alpha, end.InTransition));
        Assert.Equal(0.5 * (1 - Math.Cos(Math.PI * 0.25)), StepAt(schedule, Lod2 + Transition / 4).Alpha, AlphaTolerance);
        Assert.Equal((1.0, false), (StepAt(schedule, 0).Alpha, StepAt(schedule, 0).InTransition)); // LOD 0 has nothing to blend
    }

    [Fact]
    public void FfhqUsesTheSingleGpuBatchListAndPerLodLearningRates()
    {
        var schedule = new LodSchedule(StyleAlaeConfigs.Load("ffhq"));

        Assert.Equal([512, 256, 128, 64, 32, 16, 16, 16, 16], Enumerable.Range(0, 9).Select(schedule.BatchSize));
        Assert.Equal([0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.0015, 0.002, 0.003, 0.003], Enumerable.Range(0, 9).Select(schedule.LearningRate));
        Assert.Equal(1024, StepAt(schedule, schedule.LodStart(8)).Resolution);
        Assert.Equal(300L * 60_000, schedule.TotalImages);
        Assert.Equal(8 * 16 * 60_000L, schedule.LodStart(8));
    }

    [Fact]
    public void KimgShortensTheRunKeepingEveryLodsShareAndTransition()
    {
        LodSchedule full = Mnist(), shortened = Mnist(kimg: 36);

        Assert.Equal(36_000, shortened.TotalImages);
        Assert.Equal(600, shortened.EpochImages);
        for (int lod = 0; lod < 4; lod++)
            Assert.Equal((double)full.LodStart(lod) / full.TotalImages, (double)shortened.LodStart(lod) / shortened.TotalImages);
        LodStep[] steps = shortened.Steps().ToArray();
        Assert.Equal([0, 1, 2, 3], steps.Select(s => s.Lod).Distinct());
        Assert.Equal(4, steps.Count(s => s.LodChanged));
        foreach (int lod in new[] { 1, 2, 3 })
        {
            double[] alphas = steps.Where(s => s.Lod == lod && s.InTransition).Select(s => s.Alpha).ToArray();
            Assert.Equal(0, alphas[0]);
            Assert.True(alphas.Length > 10 && alphas.Max() > 0.99, $"LOD {lod} blends from 0 to nearly 1");
            Assert.Equal(alphas.Order(), alphas);
        }
        Assert.All(steps.Zip(steps.Skip(1)), pair => Assert.True(pair.Second.FirstImage >= pair.First.FirstImage + pair.First.BatchSize));
        Assert.True(steps[^1].FirstImage + steps[^1].BatchSize <= 36_000);
    }

    [Fact]
    public void ScaleIsTheShareOfTheFullScheduleAKimgRunKeeps()
    {
        Assert.Equal(1.0, Mnist().Scale);
        Assert.Equal(36_000.0 / 3_600_000, Mnist(kimg: 36).Scale, AlphaTolerance);   // 60 epochs of 60,000 images in full
    }

    [Fact]
    public void AKimgTooShortForOneBatchPerLodIsAConfigError()
    {
        var error = Assert.Throws<ConfigException>(() => Mnist(kimg: 0.5));

        Assert.Contains("'schedule.kimg' is too small", error.Message);
        Assert.Contains("LOD 0", error.Message);
    }

    [Fact]
    public void ZeroEpochsPerLodTrainsTheTopLodOnly()
    {
        StyleAlaeConfig config = StyleAlaeConfigs.Load("tiny");
        var schedule = new LodSchedule(config with { Schedule = config.Schedule with { EpochsPerLod = 0 } });

        LodStep[] steps = schedule.Steps().ToArray();

        Assert.All(steps, s => Assert.Equal((2, 16, 4, 1.0), (s.Lod, s.Resolution, s.BatchSize, s.Alpha)));
        Assert.Equal(6 * 64 / 4, steps.Length);
        Assert.True(steps[0].LodChanged);
    }

    [Fact]
    public void AResumedRunContinuesWithTheSameSteps()
    {
        LodSchedule schedule = Mnist(kimg: 36);
        LodStep[] all = schedule.Steps().ToArray();

        LodStep[] resumed = schedule.Steps(all[100].FirstImage).ToArray();

        Assert.Equal(all[100..], resumed);
    }
}
