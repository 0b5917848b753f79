namespace AlaeIlgpu.Alae.Training;

/// <summary>One named number an iteration reports (a loss, a penalty, a learning rate): a column of losses.csv.</summary>
/// <param name="Name">Column name: letters, digits and underscores (for example <c>loss_ed</c>).</param>
/// <param name="Value">The value.</param>
public readonly record struct TrainingScalar(string Name, double Value);

/// <summary>
/// What the model-neutral training loop (<see cref="TrainingRun"/>) needs from a model family's trainer: it runs
/// iterations, saves and restores all of its state (so a resumed run continues bit for bit), and draws its figures.
/// </summary>
public interface IAlaeTrainer
{
    /// <summary>Completed iterations.</summary>
    int Iteration { get; }

    /// <summary>Real images one iteration consumes (the batch size), for the images-per-second rate.</summary>
    int ImagesPerIteration { get; }

    /// <summary>A short description of where training stands beyond the iteration (for example "epoch 3.2" or "LOD 3, blend 0.42, 32x32").</summary>
    string Status { get; }

    /// <summary>Whether the iteration just run calls for figures beyond the schedule's interval (for example the last one of a level of detail).</summary>
    bool FiguresDue => false;

    /// <summary>Whether the iteration just run calls for a checkpoint beyond the schedule's interval (for example an interval counted in images).</summary>
    bool CheckpointDue => false;

    /// <summary>
    /// Runs one iteration and returns its scalars, the losses still on the device (the loop reads those of a logging
    /// interval in one copy); the names and their order must be the same every iteration (they are the CSV header).
    /// </summary>
    PendingScalars TrainIteration();

    /// <summary>Writes the complete state atomically to <paramref name="path"/>.</summary>
    void SaveCheckpoint(string path);

    /// <summary>Restores everything <see cref="SaveCheckpoint"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this model or is damaged (the message names the file and the entry).</exception>
    void LoadCheckpoint(string path);

    /// <summary>Draws the model's figures for <paramref name="iteration"/> into <paramref name="run"/> (the loop draws the loss plot).</summary>
    void DrawFigures(RunDirectory run, int iteration);
}
