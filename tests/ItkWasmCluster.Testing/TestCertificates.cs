using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ItkWasmCluster.Testing;

/// <summary>Self-signed cluster certificates for the tests, written as PKCS#12 files.</summary>
public static class TestCertificates
{
    /// <summary>Writes a new self-signed certificate with its key to <paramref name="path"/> and returns the path.</summary>
    public static string Create(string path)
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest($"CN=itkwasm-cluster-test-{Path.GetFileNameWithoutExtension(path)}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12));
        return path;
    }
}
