using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace ItkWasmCluster.Grains;

/// <summary>
/// The cluster certificate: one certificate with its private key, shared by every silo and Orleans client of a
/// cluster, that secures the silo-to-silo and client-to-gateway connections with mutual TLS. A peer is let in only when
/// it presents this same certificate (compared by its SHA-256 hash), so holding the certificate's key is what makes a
/// process a member of the cluster: the token guards the HTTP API, the certificate guards the Orleans ports.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>The silo option and environment variable that name the certificate file.</summary>
    public const string Setting = "--cluster-certificate (ITKWASM_SILO_CLUSTER_CERTIFICATE)";

    /// <summary>Loads the certificate and its private key from a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, with
    /// <paramref name="password"/> if it has one) or a PEM file holding both the certificate and its key.</summary>
    /// <exception cref="ArgumentException">The file is missing, does not parse, or holds no private key; the message
    /// names the setting.</exception>
    public static X509Certificate2 Load(string path, string? password = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{Setting}: no such file {path}");
        }

        X509Certificate2 certificate;
        try
        {
            var text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal) && !text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                throw new ArgumentException(NoKey(path));
            }

            certificate = text.Contains("-----BEGIN", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPemFile(path)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{Setting}: {path} is not a PKCS#12 or PEM certificate with its key, or the password (ITKWASM_SILO_CLUSTER_CERTIFICATE_PASSWORD) is wrong ({e.Message})", e);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ArgumentException(NoKey(path));
        }

        return certificate;
    }

    private static string NoKey(string path) =>
        $"{Setting}: {path} holds no private key; the cluster certificate needs one (PEM: the certificate and its key in one file)";

    /// <summary>Secures the Orleans connections (silo-to-silo and gateway, or a client's) with the cluster certificate
    /// that <paramref name="options"/> names, when it names one: mutual TLS, and a peer gets in only with the same
    /// certificate.</summary>
    /// <param name="options">The cluster store's options, with <see cref="ClusterStoreOptions.CertificatePath"/>.</param>
    /// <param name="useTls">The builder's <c>UseTls(certificate, configure)</c> (a silo's or a client's).</param>
    /// <exception cref="ArgumentException">The certificate cannot be loaded; the message names the setting.</exception>
    public static void Use(ClusterStoreOptions options, Action<X509Certificate2, Action<TlsOptions>> useTls)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(useTls);
        if (options.CertificatePath is not { Length: > 0 } path)
        {
            return;
        }

        var certificate = Load(path, options.CertificatePassword);
        useTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = (remote, _, _) => IsClusterPeer(certificate, remote);
        });
    }

    /// <summary>Gets whether <paramref name="remote"/>, as a peer presented it, is the cluster's certificate.</summary>
    public static bool IsClusterPeer(X509Certificate2 local, X509Certificate2? remote)
    {
        ArgumentNullException.ThrowIfNull(local);
        return remote is not null
               && CryptographicOperations.FixedTimeEquals(local.GetCertHash(HashAlgorithmName.SHA256), remote.GetCertHash(HashAlgorithmName.SHA256));
    }
}
