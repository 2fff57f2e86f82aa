namespace ItkWasmCluster.Grains.Tests;

/// <summary>The test classes that run clusters, silo processes or whole jobs: one at a time, so that their timing does
/// not depend on each other on a small machine.</summary>
[CollectionDefinition("Cluster", DisableParallelization = true)]
public sealed class ClusterCollection;
