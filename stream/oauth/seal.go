package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the length of the key that seals stored tokens: AES-256.
const KeySize = 32

// sealVersion starts every sealed value, so that the format can change.
const sealVersion = 1

// ErrWrongKey means a sealed token does not open with the key given: it
// was sealed with another key, or the stored bytes were altered. AES-GCM
// authenticates, so a wrong key never yields garbage.
var ErrWrongKey = errors.New("the stored token does not open with this key (another key sealed it, or it was altered)")

// Sealer encrypts and authenticates token secrets with AES-256-GCM, bound
// to the subject they belong to, so that a sealed value copied to another
// subject's row does not open either.
type Sealer struct{ aead cipher.AEAD }

// secrets is what a sealed value holds.
type secrets struct {
	Access  string `json:"a"`
	Refresh string `json:"r"`
}

// NewSealer returns a Sealer for a KeySize-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the secret key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func sealAAD(subject string) []byte { return []byte("hearth token for " + subject) }

// seal encrypts a token's secrets for subject: version, nonce, ciphertext.
func (s *Sealer) seal(subject string, sec secrets) []byte {
	plain, _ := json.Marshal(sec)
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	_, _ = rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], plain, sealAAD(subject))
}

// open decrypts what seal wrote for subject, or returns ErrWrongKey.
func (s *Sealer) open(subject string, sealed []byte) (secrets, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return secrets{}, ErrWrongKey
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], sealAAD(subject))
	if err != nil {
		return secrets{}, ErrWrongKey
	}
	var sec secrets
	if err := json.Unmarshal(plain, &sec); err != nil || sec.Access == "" {
		return secrets{}, ErrWrongKey
	}
	return sec, nil
}

// ParseKey reads a key written as 64 hex digits or as base64 of 32 bytes
// (standard or URL alphabet, padded or not), as "openssl rand -hex 32" or
// "openssl rand -base64 32" print it.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("the secret key must be %d bytes written as 64 hex digits or in base64 (make one with: openssl rand -hex 32)", KeySize)
}

// LoadKeyFile reads the key in the file at path. A missing file gives an
// error that matches fs.ErrNotExist.
func LoadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}

// CreateKeyFile writes a new random key to path, readable by its owner
// only (mode 0600), and returns it. It never replaces an existing file:
// that would make every token sealed with the old key unreadable.
func CreateKeyFile(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("key file %s already exists; not replacing it", path)
		}
		return nil, fmt.Errorf("cannot create the key file: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("cannot write the key file %s: %w", path, err)
	}
	return key, nil
}
