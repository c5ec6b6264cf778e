package template

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// SHA-crypt ($5$ / $6$) as published by Ulrich Drepper ("Unix crypt using
// SHA-256 and SHA-512"), the format /etc/shadow and Ansible's
// password_hash produce. Implemented here to avoid a dependency for ~80
// lines; tests pin it to openssl's output.

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var (
	sha512Order = [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
		{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10},
		{53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16},
		{59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}
	sha256Order = [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
		{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}}
)

// shaCrypt hashes password with salt (at most 16 characters are used) and
// rounds (0 means the default 5000, which is then left out of the output).
func shaCrypt(algo, password, salt string, rounds int) (string, error) {
	var newHash func() hash.Hash
	var id string
	switch algo {
	case "sha512", "sha512_crypt":
		newHash, id = sha512.New, "6"
	case "sha256", "sha256_crypt":
		newHash, id = sha256.New, "5"
	default:
		return "", fmt.Errorf("password_hash: unsupported scheme '%s' (use sha512 or sha256)", algo)
	}
	customRounds := rounds != 0
	if !customRounds {
		rounds = 5000
	}
	rounds = min(max(rounds, 1000), 999999999)
	if len(salt) > 16 {
		salt = salt[:16]
	}
	pw, s := []byte(password), []byte(salt)

	h := newHash()
	h.Write(pw)
	h.Write(s)
	h.Write(pw)
	b := h.Sum(nil)
	size := len(b)

	h = newHash()
	h.Write(pw)
	h.Write(s)
	for n := len(pw); n > 0; n -= size {
		h.Write(b[:min(n, size)])
	}
	for n := len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(pw)
		}
	}
	a := h.Sum(nil)

	h = newHash()
	for range len(pw) {
		h.Write(pw)
	}
	dp := h.Sum(nil)
	p := make([]byte, 0, len(pw))
	for n := len(pw); n > 0; n -= size {
		p = append(p, dp[:min(n, size)]...)
	}

	h = newHash()
	for range 16 + int(a[0]) {
		h.Write(s)
	}
	ds := h.Sum(nil)
	sBytes := make([]byte, 0, len(s))
	for n := len(s); n > 0; n -= size {
		sBytes = append(sBytes, ds[:min(n, size)]...)
	}

	c := a
	for i := range rounds {
		h = newHash()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(sBytes)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(nil)
	}

	var out strings.Builder
	out.WriteString("$" + id + "$")
	if customRounds {
		fmt.Fprintf(&out, "rounds=%d$", rounds)
	}
	out.WriteString(salt)
	out.WriteByte('$')
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for range n {
			out.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	if id == "6" {
		for _, t := range sha512Order {
			enc(c[t[0]], c[t[1]], c[t[2]], 4)
		}
		enc(0, 0, c[63], 2)
	} else {
		for _, t := range sha256Order {
			enc(c[t[0]], c[t[1]], c[t[2]], 4)
		}
		enc(0, c[31], c[30], 3)
	}
	return out.String(), nil
}

func randomSalt(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	for i := range buf {
		buf[i] = cryptAlphabet[int(buf[i])%len(cryptAlphabet)]
	}
	return string(buf)
}

// password_hash(hashtype='sha512', salt=None, rounds=None). Without a salt
// a random one is used, so the result changes every run, as in Ansible.
func filterPasswordHash(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	pw, errv := textIn(in)
	if errv != nil {
		return errv
	}
	salt := argString(p, 1, "salt", "")
	if salt == "" {
		salt = randomSalt(16)
	}
	h, err := shaCrypt(argString(p, 0, "hashtype", "sha512"), pw, salt, argInt(p, 3, "rounds", 0))
	if err != nil {
		return fail("%v", err)
	}
	return exec.AsValue(h)
}
