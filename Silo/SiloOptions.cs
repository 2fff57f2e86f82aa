namespace ItkWasmCluster.Silo;

/// <summary>Settings of a silo; each names the command-line option and environment variable that set it.</summary>
public sealed record SiloOptions
{
    /// <summary>Gets the PostgreSQL connection string (<c>--postgres</c>, <c>ITKWASM_SILO_POSTGRES</c>). Required.</summary>
    public string? Postgres { get; init; }

    /// <summary>Gets the URLs the HTTP API listens on (<c>--urls</c>, <c>ITKWASM_SILO_URLS</c>). Default
    /// <c>http://127.0.0.1:5080</c>.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Gets the bearer token every <c>/api</c> request must carry (<c>--token</c>, <c>ITKWASM_SILO_TOKEN</c>).
    /// Required; at least 16 characters.</summary>
    public string? Token { get; init; }

    /// <summary>Gets how many tasks this silo runs at once (<c>--concurrency</c>, <c>ITKWASM_SILO_CONCURRENCY</c>). Default: the processor count; 1 to 256.</summary>
    public int Concurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets this node's capabilities, such as <c>gpu</c> (<c>--capability</c>, <c>ITKWASM_SILO_CAPABILITIES</c>). Default none.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Gets the task lease length (<c>--lease</c>, <c>ITKWASM_SILO_LEASE</c>, in seconds), renewed every third of it; a silo that stops
    /// heartbeating loses its tasks once it lapses. Default 30 s; 1 s to 1 h.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the largest request body accepted, in bytes; larger requests get 413. Default 1 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>Gets this node's id in heartbeats and leases. Default: host name and process id.</summary>
    public string NodeId { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">Names the setting to fix.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Postgres))
        {
            throw new ArgumentException("the PostgreSQL connection string is required: --postgres or ITKWASM_SILO_POSTGRES");
        }

        if (string.IsNullOrEmpty(Token) || Token.Length < 16)
        {
            throw new ArgumentException("a bearer token of at least 16 characters is required: --token or ITKWASM_SILO_TOKEN");
        }

        if (Concurrency is < 1 or > 256)
        {
            throw new ArgumentException($"--concurrency must be 1 to 256, not {Concurrency}");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"--lease must be 1 to 3600 seconds, not {LeaseDuration.TotalSeconds}");
        }

        if (!Urls.Split(';').All(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            throw new ArgumentException($"--urls must be http(s) URLs separated by ';', not '{Urls}'");
        }
    }
}
