namespace AlaeIlgpu.Alae.Config;

/// <summary>
/// Every hyperparameter of the MLP ALAE on MNIST, grouped in sections as in the JSON file
/// (<c>configs/mnist-mlp.json</c>). Defaults follow the official <c>mnist_ref</c> branch (docs/config.md)
/// except the run length and data size, which fit the embedded 10,000-digit set.
/// </summary>
public sealed record MlpAlaeConfig : IValidatedConfig
{
    /// <summary>The fewest held-out digits a run accepts: one reconstruction grid's worth.</summary>
    public const int MinHeldOutCount = AlaeIlgpu.Alae.Training.AutoencoderFigures.GridReconstructions;

    /// <summary>Network sizes and activation slopes.</summary>
    public MlpModelConfig Model { get; init; } = new();

    /// <summary>The learning-rate-equalised Adam shared by both optimizers.</summary>
    public MlpOptimizerConfig Optimizer { get; init; } = new();

    /// <summary>Run length, regularisation, averaging and output intervals.</summary>
    public MlpTrainingConfig Training { get; init; } = new();

    /// <summary>Where the digits come from and how they are split.</summary>
    public MlpDataConfig Data { get; init; } = new();

    /// <summary>The classifiers run on the encoder's features after training.</summary>
    public MlpEvaluationConfig Evaluation { get; init; } = new();

    /// <inheritdoc />
    public void Validate()
    {
        ValidateModel(Model);
        ValidateOptimizer(Optimizer);
        ValidateTraining(Training);
        ValidateData(Data);
        ConfigChecks.Positive("evaluation.svm_c", Evaluation.SvmC);
        ConfigChecks.Positive("evaluation.svm_max_iterations", Evaluation.SvmMaxIterations);
        ConfigChecks.Positive("evaluation.svm_tolerance", Evaluation.SvmTolerance);
    }

    private static void ValidateModel(MlpModelConfig model)
    {
        ConfigChecks.Positive("model.latent_size", model.LatentSize);
        ConfigChecks.NonNegative("model.mapping_layers", model.MappingLayers);
        ConfigChecks.Positive("model.hidden_size", model.HiddenSize);
        ConfigChecks.Positive("model.discriminator_layers", model.DiscriminatorLayers);
        ConfigChecks.InRange("model.encoder_hidden_slope", model.EncoderHiddenSlope, 0, 1);
        ConfigChecks.InRange("model.encoder_output_slope", model.EncoderOutputSlope, 0, 1);
        ConfigChecks.InRange("model.generator_hidden_slope", model.GeneratorHiddenSlope, 0, 1);
        ConfigChecks.InRange("model.mapping_slope", model.MappingSlope, 0, 1);
    }

    private static void ValidateOptimizer(MlpOptimizerConfig optimizer)
    {
        ConfigChecks.Positive("optimizer.learning_rate", optimizer.LearningRate);
        ConfigChecks.InRange("optimizer.beta1", optimizer.Beta1, 0, 1, highExclusive: true);
        ConfigChecks.InRange("optimizer.beta2", optimizer.Beta2, 0, 1, highExclusive: true);
        ConfigChecks.Positive("optimizer.epsilon", optimizer.Epsilon);
        ConfigChecks.Positive("optimizer.mapping_lr_multiplier", optimizer.MappingLrMultiplier);
        ConfigChecks.Positive("optimizer.discriminator_lr_multiplier", optimizer.DiscriminatorLrMultiplier);
    }

    private static void ValidateTraining(MlpTrainingConfig training)
    {
        ConfigChecks.Positive("training.batch_size", training.BatchSize);
        ConfigChecks.Positive("training.iterations", training.Iterations);
        ConfigChecks.NonNegative("training.r1_gamma", training.R1Gamma);
        ConfigChecks.Positive("training.ema_half_life_images", training.EmaHalfLifeImages);
        ConfigChecks.InRange("training.w_average_beta", training.WAverageBeta, 0, 1);
        ConfigChecks.Positive("training.sample_interval", training.SampleInterval);
        ConfigChecks.Positive("training.checkpoint_interval", training.CheckpointInterval);
    }

    private static void ValidateData(MlpDataConfig data)
    {
        ConfigChecks.Positive("data.train_count", data.TrainCount);
        if (string.IsNullOrEmpty(data.Dir) && data.HeldOutCount < MinHeldOutCount)
            throw new ConfigException($"'data.held_out_count' must be at least {MinHeldOutCount} (the reconstruction grids show that many held-out digits), got {data.HeldOutCount}.");
    }
}

/// <summary>Network sizes and leaky-ReLU slopes of F, G, E and D.</summary>
public sealed record MlpModelConfig
{
    /// <summary>dim z = dim w.</summary>
    public int LatentSize { get; init; } = 50;

    /// <summary>Number of Linear + LReLU layers in the mapping network F.</summary>
    public int MappingLayers { get; init; } = 6;

    /// <summary>Width of the two hidden layers of E and of G.</summary>
    public int HiddenSize { get; init; } = 1024;

    /// <summary>Number of linear layers in the latent discriminator D (no activations between them).</summary>
    public int DiscriminatorLayers { get; init; } = 3;

    /// <summary>LReLU slope after E's two hidden layers.</summary>
    public double EncoderHiddenSlope { get; init; } = 0.2;

    /// <summary>LReLU slope after E's output layer (PyTorch's default slope in the official code).</summary>
    public double EncoderOutputSlope { get; init; } = 0.01;

    /// <summary>LReLU slope after G's two hidden layers (PyTorch's default slope in the official code).</summary>
    public double GeneratorHiddenSlope { get; init; } = 0.01;

    /// <summary>LReLU slope after each layer of F.</summary>
    public double MappingSlope { get; init; } = 0.2;
}

/// <summary>Adam without first moment, with equalised learning rate.</summary>
public sealed record MlpOptimizerConfig
{
    /// <summary>Base learning rate of both optimizers.</summary>
    public double LearningRate { get; init; } = 0.002;

    /// <summary>First-moment decay; the official optimizer only allows 0.</summary>
    public double Beta1 { get; init; }

    /// <summary>Second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>Added to the root of the second moment.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Learning-rate multiplier of every layer of the mapping network F.</summary>
    public double MappingLrMultiplier { get; init; } = 0.1;

    /// <summary>Learning-rate multiplier of every layer of the latent discriminator D.</summary>
    public double DiscriminatorLrMultiplier { get; init; } = 0.1;
}

/// <summary>Run length, regularisation, averaging and output intervals.</summary>
public sealed record MlpTrainingConfig
{
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Training iterations (each: E/D step, F/G step, latent autoencoder step); at least 1.</summary>
    public int Iterations { get; init; } = 6000;

    /// <summary>Weight γ of the R1 penalty (γ/2)·‖∇ₓ D(E(x))‖² on real images.</summary>
    public double R1Gamma { get; init; } = 10;

    /// <summary>Half-life of the weight average (EMA) in images: β = 0.5^(batch / half-life).</summary>
    public double EmaHalfLifeImages { get; init; } = 10_000;

    /// <summary>Decay of the running mean of w used for truncation.</summary>
    public double WAverageBeta { get; init; } = 0.995;

    /// <summary>Seed of weight initialisation and sampling.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Iterations between sample grids.</summary>
    public int SampleInterval { get; init; } = 500;

    /// <summary>Iterations between checkpoints.</summary>
    public int CheckpointInterval { get; init; } = 1000;
}

/// <summary>Where the digits come from and how they are split.</summary>
public sealed record MlpDataConfig
{
    /// <summary>A directory of MNIST IDX files, or null for the embedded 10,000 digits.</summary>
    public string? Dir { get; init; }

    /// <summary>Number of training images.</summary>
    public int TrainCount { get; init; } = 8_000;

    /// <summary>Number of held-out images (reconstruction grids and evaluation; at least <see cref="MlpAlaeConfig.MinHeldOutCount"/>).</summary>
    public int HeldOutCount { get; init; } = 2_000;

    /// <summary>Seed of the shuffle that splits the data.</summary>
    public ulong SplitSeed { get; init; }
}

/// <summary>Settings of the classifiers run on the encoder's features.</summary>
public sealed record MlpEvaluationConfig
{
    /// <summary>Regularisation constant C of the linear SVM (the official evaluation uses 0.02).</summary>
    public double SvmC { get; init; } = 0.02;

    /// <summary>
    /// Maximum passes of dual coordinate descent per class (5,000: the official evaluation's
    /// <c>LinearSVC(max_iter=5000)</c>).
    /// </summary>
    public int SvmMaxIterations { get; init; } = 5000;

    /// <summary>
    /// Stopping tolerance on the projected gradient (1e-4: scikit-learn's <c>LinearSVC</c> default, which the official
    /// evaluation keeps; LIBLINEAR's own command line uses 0.1).
    /// </summary>
    public double SvmTolerance { get; init; } = 1e-4;
}
