package redact

import (
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"
)

// symtab is an append-only set of byte-string keys, each numbered from 1 in the order it was
// added, built for the obfuscator's hot path: lookups take no lock and allocate nothing, and
// memory is a few bytes per key beyond the key itself, so a million addresses fit in a few tens
// of MiB. Keys are stored in 64 KiB chunks (an arena), the hash index is open addressing over
// uint32 slots. Adding is done by one goroutine at a time (under Obfuscator.mu); readers run
// concurrently: every slot, chunk and index pointer is published with an atomic store after what
// it points to was written.
type symtab struct {
	// fixed is the key size for fixed-size keys (4 for IPv4, 16 for IPv6), compared exactly;
	// 0 for names up to 255 bytes, compared ASCII case-insensitively.
	fixed  int
	seed   maphash.Seed
	chunks [symMaxChunks]atomic.Pointer[[symChunk]byte]
	index  atomic.Pointer[symIndex]
	// filter, for names, is told of every name added; tables may share one.
	filter *nameFilter

	// Under the adder's lock:
	count   int
	used    int // bytes of the arena used: the offset of the next record
	maxKeys int // symMaxKeys, less in tests
}

// symIndex is the hash index. A slot holds, in its low symRefBits bits, the arena offset+1 of a
// name or the index+1 of a fixed-size key (0: empty), and in its high bits the top bits of the
// key's hash, so that most probes that do not match are told without reading the key.
type symIndex struct {
	slots []atomic.Uint32
	mask  uint32
}

const (
	symRefBits = 26 // offsets into a 64 MiB arena; indexes up to 4 Mi
	symRefMask = 1<<symRefBits - 1
)

func slotTag(h uint32) uint32 { return h &^ symRefMask }

const (
	symChunkShift = 16
	symChunk      = 1 << symChunkShift
	// symMaxChunks bounds the arena: 64 MiB of keys per table (offsets fit in symRefBits).
	symMaxChunks = 1 << (symRefBits - symChunkShift)
	// symMaxKeys bounds the number of keys per table, and so the index (32 MiB at most).
	symMaxKeys = 1 << 22
	// A name record is its number (4 bytes), its length (1 byte) and its bytes.
	symNameHead = 5
)

// newSymtab returns an empty table. Tables that share a seed hash alike, so that one hash serves
// a lookup in each.
func newSymtab(fixed int, seed maphash.Seed, filter *nameFilter) *symtab {
	t := &symtab{fixed: fixed, seed: seed, filter: filter, maxKeys: symMaxKeys}
	t.index.Store(&symIndex{slots: make([]atomic.Uint32, 64), mask: 63})
	return t
}

// nameFilter records the lengths, first and last bytes (lowercased) of the names added, so that
// most words of a log are rejected with three loads, without hashing them.
type nameFilter struct {
	lengths     atomic.Uint64    // bit n%64: a name n bytes long
	first, last [4]atomic.Uint64 // bit c: a name starting (ending) with byte c
}

func (f *nameFilter) add(key []byte) {
	c0, c1 := key[0]|0x20, key[len(key)-1]|0x20
	f.first[c0>>6].Or(1 << (c0 & 63))
	f.last[c1>>6].Or(1 << (c1 & 63))
	f.lengths.Or(1 << (len(key) & 63))
}

// lowerInto returns key lowercased (ASCII) in buf, which must hold 255 bytes.
func lowerInto(buf *[256]byte, key []byte) []byte {
	b := buf[:len(key)]
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return b
}

// hash returns the hash of a key (lowercased first for names).
func (t *symtab) hash(key []byte) uint32 {
	if t.fixed == 0 {
		var buf [256]byte
		key = lowerInto(&buf, key)
	}
	return uint32(maphash.Bytes(t.seed, key))
}

// mayHave reports whether a name may have been added; false means it was not. key is not empty.
func (f *nameFilter) mayHave(key []byte) bool {
	if f.lengths.Load()&(1<<(len(key)&63)) == 0 {
		return false
	}
	c0, c1 := key[0]|0x20, key[len(key)-1]|0x20
	return f.first[c0>>6].Load()&(1<<(c0&63)) != 0 && f.last[c1>>6].Load()&(1<<(c1&63)) != 0
}

// record returns the arena bytes from offset off.
func (t *symtab) record(off int) []byte {
	c := t.chunks[off>>symChunkShift].Load()
	return c[off&(symChunk-1):]
}

// slotKey returns the key and number stored for slot value v (without its tag).
func (t *symtab) slotKey(v uint32) ([]byte, uint32) {
	if t.fixed > 0 {
		i := int(v - 1)
		return t.record(i * t.fixed)[:t.fixed], v
	}
	r := t.record(int(v - 1))
	return r[symNameHead : symNameHead+int(r[4])], binary.LittleEndian.Uint32(r)
}

func (t *symtab) equal(stored, key []byte) bool {
	if len(stored) != len(key) {
		return false
	}
	if t.fixed > 0 {
		return string(stored) == string(key)
	}
	for i, c := range key {
		d := stored[i]
		if c != d && c|0x20 != d|0x20 || c != d && !isAlpha(c) {
			return false
		}
	}
	return true
}

// lookup returns the number of key, 0 when it is not in the set. Safe with a concurrent add.
func (t *symtab) lookup(key []byte, h uint32) uint32 {
	ix := t.index.Load()
	tag := slotTag(h)
	for i := h & ix.mask; ; i = (i + 1) & ix.mask {
		v := ix.slots[i].Load()
		if v == 0 {
			return 0
		}
		if v&^symRefMask != tag {
			continue
		}
		if k, n := t.slotKey(v & symRefMask); t.equal(k, key) {
			return n
		}
	}
}

// add returns the number of key, adding it when it is new; 0 when the table is full. The caller
// holds the adder's lock. h is t.hash(key).
func (t *symtab) add(key []byte, h uint32) uint32 {
	if n := t.lookup(key, h); n != 0 {
		return n // added by another goroutine since the caller looked
	}
	if t.count >= t.maxKeys || t.fixed == 0 && (len(key) == 0 || len(key) > 255) {
		return 0
	}
	size := t.fixed
	if size == 0 {
		size = symNameHead + len(key)
	}
	off := t.used
	if off&(symChunk-1)+size > symChunk {
		off = (off>>symChunkShift + 1) << symChunkShift // records never cross a chunk
	}
	ci := off >> symChunkShift
	if ci >= symMaxChunks {
		return 0
	}
	if t.chunks[ci].Load() == nil {
		t.chunks[ci].Store(new([symChunk]byte))
	}
	n := uint32(t.count + 1)
	rec := t.record(off)
	var v uint32
	if t.fixed > 0 {
		copy(rec, key)
		v = n
	} else {
		binary.LittleEndian.PutUint32(rec, n)
		rec[4] = byte(len(key))
		copy(rec[symNameHead:], key)
		v = uint32(off + 1)
		t.filter.add(key)
	}
	t.used = off + size
	t.count++
	ix := t.index.Load()
	if uint64(t.count)*4 > uint64(ix.mask+1)*3 { // at most three quarters full
		ix = t.grow(ix)
	}
	ix.put(h, v|slotTag(h))
	return n
}

// grow publishes an index twice as large with every key but the one being added.
func (t *symtab) grow(old *symIndex) *symIndex {
	ix := &symIndex{slots: make([]atomic.Uint32, 2*len(old.slots)), mask: uint32(2*len(old.slots) - 1)}
	for i := range old.slots {
		v := old.slots[i].Load()
		if v == 0 {
			continue
		}
		k, _ := t.slotKey(v & symRefMask)
		ix.put(t.hash(k), v)
	}
	t.index.Store(ix)
	return ix
}

// put stores v in the first free slot from h's.
func (ix *symIndex) put(h, v uint32) {
	for i := h & ix.mask; ; i = (i + 1) & ix.mask {
		if ix.slots[i].Load() == 0 {
			ix.slots[i].Store(v)
			return
		}
	}
}

// each calls fn with every key and its number, in the order they were added. The caller holds
// the adder's lock.
func (t *symtab) each(fn func(key []byte, n uint32) error) error {
	if t.fixed > 0 {
		for i := range t.count {
			if err := fn(t.record(i * t.fixed)[:t.fixed], uint32(i+1)); err != nil {
				return err
			}
		}
		return nil
	}
	for off := 0; off < t.used; {
		if off&(symChunk-1)+symNameHead > symChunk {
			off = (off>>symChunkShift + 1) << symChunkShift
			continue
		}
		r := t.record(off)
		n := binary.LittleEndian.Uint32(r)
		if n == 0 { // the rest of the chunk is unused
			off = (off>>symChunkShift + 1) << symChunkShift
			continue
		}
		k := r[symNameHead : symNameHead+int(r[4])]
		if err := fn(k, n); err != nil {
			return err
		}
		off += symNameHead + len(k)
	}
	return nil
}
