using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace ItkWasmCluster.Silo.Tests.Hosting;

/// <summary>The container image and the Kubernetes manifests, offline: every overlay renders with <c>kubectl
/// kustomize</c> and parses into the Kubernetes object model (the KubernetesClient package's YAML loader), and the
/// checks a reviewer would make hold: restricted pods with requests and limits, probes on the silo's health
/// endpoints, RBAC for exactly what Orleans' Kubernetes hosting calls, the labels it reads, the GPU silos, pinned
/// images, and a Dockerfile that agrees with the README and the manifests.</summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> Overlays => ["redis", "azure", "gpu"];

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_RendersAndParsesIntoTheObjectModel(string overlay)
    {
        var objects = Render(overlay);

        Assert.All(objects, o => Assert.False(string.IsNullOrEmpty((o as IMetadata<V1ObjectMeta>)?.Name()), $"a {o.Kind} without a name"));
        var kinds = objects.Select(o => o.GetType()).ToHashSet();
        foreach (var kind in new[] { typeof(V1Deployment), typeof(V1ServiceAccount), typeof(V1Role), typeof(V1RoleBinding), typeof(V1Service), typeof(V1PodDisruptionBudget), typeof(V2HorizontalPodAutoscaler), typeof(V1NetworkPolicy), typeof(V1ValidatingAdmissionPolicy), typeof(V1ValidatingAdmissionPolicyBinding) })
        {
            Assert.Contains(kind, kinds);
        }
    }

    [Fact]
    public void EveryManifestFile_ParsesIntoTheObjectModel()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "k8s"), "*.yaml", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "kustomization.yaml").ToList();
        Assert.True(files.Count >= 13, $"only {files.Count} manifests");
        Assert.All(files, file => Assert.All(KubernetesYaml.LoadAllFromString(File.ReadAllText(file)), o => Assert.IsAssignableFrom<IKubernetesObject>(o)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_IsRestricted_Sized_AndPinned(string overlay)
    {
        foreach (var (name, pod) in PodTemplates(Render(overlay)))
        {
            Assert.True(pod.SecurityContext?.RunAsNonRoot, $"{name}: runAsNonRoot");
            Assert.Equal("RuntimeDefault", pod.SecurityContext?.SeccompProfile?.Type);
            Assert.All(pod.Containers, c =>
            {
                Assert.False(c.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{name}/{c.Name}: allowPrivilegeEscalation");
                Assert.True(c.SecurityContext?.ReadOnlyRootFilesystem, $"{name}/{c.Name}: readOnlyRootFilesystem");
                Assert.Equal(["ALL"], c.SecurityContext?.Capabilities?.Drop);
                Assert.All(new[] { "cpu", "memory" }, r =>
                {
                    Assert.True(c.Resources?.Requests?.ContainsKey(r), $"{name}/{c.Name}: no {r} request");
                    Assert.True(c.Resources?.Limits?.ContainsKey(r), $"{name}/{c.Name}: no {r} limit");
                });
                Assert.Matches(PinnedImage(), c.Image);
                Assert.DoesNotContain(":latest", c.Image, StringComparison.Ordinal);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silos_AreProbedOnTheirHealthEndpoints_AndCarryWhatOrleansKubernetesHostingReads(string overlay)
    {
        var objects = Render(overlay);
        var silos = objects.OfType<V1Deployment>().ToList();
        Assert.NotEmpty(silos);
        foreach (var silo in silos)
        {
            var pod = silo.Spec.Template;
            var container = Assert.Single(pod.Spec.Containers);
            Assert.Equal("silo", pod.Metadata.Labels["app.kubernetes.io/component"]);
            Assert.Equal(("/healthz/ready", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
            Assert.Equal(("/healthz/live", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
            Assert.Equal([("http", 8080), ("silo", 11111), ("gateway", 30000)], container.Ports.Select(p => (p.Name, p.ContainerPort)));
            Assert.Equal("itkwasm-silo", pod.Spec.ServiceAccountName);
            Assert.InRange(pod.Spec.TerminationGracePeriodSeconds ?? 30, 60, 600);
            Assert.Equal(0, silo.Spec.Strategy.RollingUpdate.MaxUnavailable.Value is "0" ? 0 : int.Parse(silo.Spec.Strategy.RollingUpdate.MaxUnavailable.Value, System.Globalization.CultureInfo.InvariantCulture));

            var env = container.Env.ToDictionary(e => e.Name);
            Assert.Equal("true", env["ITKWASM_SILO_KUBERNETES"].Value);
            Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
            Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
            foreach (var (variable, label) in new[] { ("ORLEANS_SERVICE_ID", "orleans/serviceId"), ("ORLEANS_CLUSTER_ID", "orleans/clusterId"), ("ITKWASM_SILO_CLUSTER_ID", "orleans/clusterId") })
            {
                Assert.Equal($"metadata.labels['{label}']", env[variable].ValueFrom.FieldRef.FieldPath);
                Assert.False(string.IsNullOrEmpty(pod.Metadata.Labels[label]), $"{silo.Name()}: no {label} label");
            }

            Assert.Equal(("itkwasm-silo", "token"), (env["ITKWASM_SILO_TOKEN"].ValueFrom.SecretKeyRef.Name, env["ITKWASM_SILO_TOKEN"].ValueFrom.SecretKeyRef.Key));
            Assert.Single(new[] { "ITKWASM_SILO_REDIS", "ITKWASM_SILO_AZURE_STORAGE" }, env.ContainsKey);
            Assert.Equal(["/tmp", "/var/cache/itkwasm", "/var/run/secrets/itkwasm"], container.VolumeMounts.Select(m => m.MountPath).Where(p => p != "/data").Order(StringComparer.Ordinal));

            // The Orleans ports take only peers with the cluster certificate, from a secret the user creates.
            var certificate = Assert.Single(container.VolumeMounts, m => m.MountPath == "/var/run/secrets/itkwasm");
            Assert.True(certificate.ReadOnlyProperty);
            Assert.Equal("itkwasm-cluster-certificate", Assert.Single(pod.Spec.Volumes, v => v.Name == certificate.Name).Secret.SecretName);
            Assert.StartsWith("/var/run/secrets/itkwasm/", env["ITKWASM_SILO_CLUSTER_CERTIFICATE"].Value, StringComparison.Ordinal);
        }

        // The Service and the silo-to-silo policy select every silo, GPU silos included.
        var service = Assert.Single(objects.OfType<V1Service>(), s => s.Name() == "itkwasm-silo");
        Assert.All(silos, s => Assert.All(service.Spec.Selector, l => Assert.Equal(l.Value, s.Spec.Template.Metadata.Labels[l.Key])));
        var policy = Assert.Single(objects.OfType<V1NetworkPolicy>(), p => p.Name() == "itkwasm-silo");
        Assert.All(silos, s => Assert.All(policy.Spec.PodSelector.MatchLabels, l => Assert.Equal(l.Value, s.Spec.Template.Metadata.Labels[l.Key])));
    }

    [Fact]
    public void Rbac_GrantsExactlyWhatOrleansKubernetesHostingCalls()
    {
        var objects = Render("redis");
        var rule = Assert.Single(Assert.Single(objects.OfType<V1Role>()).Rules);
        Assert.Equal([string.Empty], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "patch", "watch"], rule.Verbs.Order(StringComparer.Ordinal)); // read, label, follow; never delete
        var binding = Assert.Single(objects.OfType<V1RoleBinding>());
        Assert.Equal(("Role", "itkwasm-silo"), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(("ServiceAccount", "itkwasm-silo"), (Assert.Single(binding.Subjects).Kind, binding.Subjects[0].Name));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlays_ShipNoSecret_AndKeepACompromisedSiloInItsLane(string overlay)
    {
        var objects = Render(overlay);

        // Secrets come from the README's kubectl create secret; one in the manifests would overwrite them.
        Assert.DoesNotContain(objects, o => o is V1Secret);

        // Pod patches by the silos' account: only orleans/* labels of silo pods, never a spec.
        var policy = Assert.Single(objects.OfType<V1ValidatingAdmissionPolicy>());
        Assert.Contains("system:serviceaccount:", Assert.Single(policy.Spec.MatchConditions).Expression, StringComparison.Ordinal);
        Assert.Contains(policy.Spec.Validations, v => v.Expression == "object.spec == oldObject.spec");
        Assert.Contains(policy.Spec.Validations, v => v.Expression.Contains("startsWith('orleans/')", StringComparison.Ordinal));
        var binding = Assert.Single(objects.OfType<V1ValidatingAdmissionPolicyBinding>());
        Assert.Equal((policy.Name(), "Deny"), (binding.Spec.PolicyName, Assert.Single(binding.Spec.ValidationActions)));

        // Egress is closed but for named ports; /tmp is bounded.
        var silos = objects.OfType<V1NetworkPolicy>().Where(p => p.Spec.PodSelector.MatchLabels is { } labels && labels.TryGetValue("app.kubernetes.io/component", out var component) && component == "silo").ToList();
        Assert.Contains(silos, p => p.Spec.PolicyTypes.Contains("Egress"));
        Assert.All(silos.SelectMany(p => p.Spec.Egress ?? []), rule => Assert.NotEmpty(rule.Ports));
        foreach (var deployment in objects.OfType<V1Deployment>())
        {
            Assert.NotNull(Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == "tmp").EmptyDir.SizeLimit);
        }

        // A Redis of the overlay's own asks for a password, and the silos give it.
        if (objects.OfType<V1StatefulSet>().SingleOrDefault(s => s.Name() == "itkwasm-redis") is { } redis)
        {
            var server = Assert.Single(redis.Spec.Template.Spec.Containers);
            Assert.Contains("--requirepass", server.Args);
            Assert.Equal("itkwasm-redis", Assert.Single(server.Env, e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Name);
            foreach (var deployment in objects.OfType<V1Deployment>())
            {
                var env = Assert.Single(deployment.Spec.Template.Spec.Containers).Env.Select(e => e.Name).ToList();
                Assert.True(env.IndexOf("REDIS_PASSWORD") is >= 0 and var at && at < env.IndexOf("ITKWASM_SILO_REDIS"), "REDIS_PASSWORD must come before ITKWASM_SILO_REDIS, which uses it");
                Assert.EndsWith("password=$(REDIS_PASSWORD)", Assert.Single(deployment.Spec.Template.Spec.Containers).Env.Single(e => e.Name == "ITKWASM_SILO_REDIS").Value, StringComparison.Ordinal);
            }

            Assert.Contains(silos, p => p.Spec.Egress?.Any(r => r.Ports.Any(port => port.Port.Value == "6379")) == true);
        }
    }

    [Fact]
    public void GpuOverlay_RunsSilosThatRequestAGpu_OnGpuNodes_AdvertisingIt()
    {
        var gpu = Assert.Single(Render("gpu").OfType<V1Deployment>(), d => d.Name() == "itkwasm-silo-gpu");
        var pod = gpu.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        Assert.Equal("1", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("1", container.Resources.Requests["nvidia.com/gpu"].ToString());
        Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
        Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule");
        Assert.Equal("gpu", Assert.Single(container.Env, e => e.Name == "ITKWASM_SILO_CAPABILITIES").Value);
        Assert.Equal("itkwasm-silo-gpu", gpu.Spec.Selector.MatchLabels["app.kubernetes.io/name"]);
        Assert.DoesNotContain(Render("redis").OfType<V1Deployment>(), d => d.Spec.Template.Spec.Containers[0].Resources.Limits.ContainsKey("nvidia.com/gpu"));
    }

    [Fact]
    public void Dockerfile_AgreesWithTheReadme_TheManifests_AndTheSiloProject()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var image = Assert.Single(Render("redis").OfType<V1Deployment>()).Spec.Template.Spec.Containers[0].Image;

        Assert.Contains($"docker build -t {image} .", readme, StringComparison.Ordinal);
        Assert.Contains($"docker build -t {image} .", dockerfile, StringComparison.Ordinal);
        var assembly = Regex.Match(File.ReadAllText(Path.Combine(Root, "Silo", "ItkWasmCluster.Silo.csproj")), "<AssemblyName>(.+)</AssemblyName>").Groups[1].Value;
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{assembly}.dll\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 8080 11111 30000", dockerfile, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(dockerfile, @"^FROM \S+:\S+ AS \w+$", RegexOptions.Multiline)); // three stages, pinned tags
        Assert.DoesNotMatch(@"^FROM \S+:latest", dockerfile);
        Assert.Matches(@"(?m)^USER \$APP_UID$", dockerfile); // the runtime image's unprivileged user (uid 1654, as the pods run)

        // Every folder and file the build copies exists; the projects the silo needs are all copied.
        foreach (Match copy in Regex.Matches(dockerfile, @"^COPY (?!--from)(.+) \S+$", RegexOptions.Multiline))
        {
            Assert.All(copy.Groups[1].Value.Split(' '), source => Assert.True(Path.Exists(Path.Combine(Root, source)), $"COPY {source}: not in the repository"));
        }

        foreach (var project in new[] { "ItkWasm", "Accelerated", "Storage", "Grains", "Silo" })
        {
            Assert.Contains($"COPY {project}/ {project}/", dockerfile, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"^[a-z0-9./-]+:[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex PinnedImage();

    private static IEnumerable<(string Name, V1PodSpec Pod)> PodTemplates(IEnumerable<IKubernetesObject> objects) =>
        objects.OfType<V1Deployment>().Select(d => (d.Name(), d.Spec.Template.Spec))
            .Concat(objects.OfType<V1StatefulSet>().Select(s => (s.Name(), s.Spec.Template.Spec)));

    // The overlay as `kubectl kustomize` renders it, loaded by KubernetesClient into its typed objects.
    private static List<IKubernetesObject> Render(string overlay)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", Path.Combine(Root, "k8s", "overlays", overlay)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var kubectl = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var yaml = kubectl.StandardOutput.ReadToEndAsync();
        var errors = kubectl.StandardError.ReadToEnd();
        kubectl.WaitForExit();
        Assert.True(kubectl.ExitCode == 0, $"kubectl kustomize k8s/overlays/{overlay} failed: {errors}");
        return KubernetesYaml.LoadAllFromString(yaml.Result).Cast<IKubernetesObject>().ToList();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ItkWasmCluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository's root (ItkWasmCluster.sln) is not above the tests");
    }
}
