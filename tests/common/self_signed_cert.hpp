#pragma once
// A throw-away self-signed certificate for 127.0.0.1 (an IP subjectAltName),
// for tests of TLS: ptalk-sim's wss://, ptalkd's TLS port, ptalk's https.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>

namespace ptalk::test_common {

struct KeyAndCert {
    std::string key_pem;
    std::string cert_pem;
};

inline std::string to_pem(int (*write)(BIO*, void*), void* obj) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio, obj);
    char* data = nullptr;
    const auto len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

inline KeyAndCert self_signed() {
    EVP_PKEY* key = EVP_EC_gen("prime256v1");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ptalk test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
    KeyAndCert out{
        to_pem(
            [](BIO* b, void* k) {
                return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                                nullptr, nullptr);
            },
            key),
        to_pem([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }, cert)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

// Writes key.pem and cert.pem into `dir`.
inline void write_self_signed(const std::filesystem::path& dir) {
    const auto kc = self_signed();
    std::ofstream(dir / "key.pem") << kc.key_pem;
    std::ofstream(dir / "cert.pem") << kc.cert_pem;
}

}  // namespace ptalk::test_common
