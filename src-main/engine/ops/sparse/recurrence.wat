;; Sparse Elman recurrence, WebAssembly SIMD (issue #8: "sparsity pays"; issue #15: and training).
;;   H[t][i][:] = act(X[t][i][:] + Σ_{k ∈ row i} val[k] · H[t−1][col[k]][:])
;; Backward (ReLU), for training with a pruned W (only kept connections cost work):
;;   reluBack:  DZ[t] = (G[t] + dH) ⊙ [H[t] > 0]
;;   transposeProduct: dH = Wᵀ·DZ[t]  (row i of DZ scattered onto the rows col[k] of its kept connections)
;;   sddmm:     dW[k] = Σ_t Σ_b DZ[t][i][b] · H[t−1][col[k]][b]  for kept k only (H[−1] = H0)
;; W is CSR over post-synaptic rows (W[i, j] is the connection j → i, as the engine stores it). States are
;; neuron-major with the batch contiguous, padded to a multiple of 16 lanes: each output row is built 16
;; lanes at a time in four f32x4 registers across all of the row's kept connections, so a kept weight costs
;; one splat and four multiply-adds per 16 sequences and the output is written once.
;; All pointers and sizes are in bytes except n (neurons), bp (padded batch) and steps.
;; Threads (issue #15): the memory is shared, so helper threads run these functions on the same data. The
;; training kernel (training.ts) keeps the batch in blocks of lanes, each block its own buffers (sequences are
;; independent): a thread runs recur, backwardSteps and sddmm on whole blocks.
;; Compiled by scripts/build-sparse-kernel.mjs into recurrence.wasm.ts (test/engine/sparse.spec.ts checks
;; that the committed bytes match this source).
(module
  (import "env" "memory" (memory 1 65536 shared))
  (export "memory" (memory 0))
  (func (export "recur")
    (param $n i32) (param $bp i32) (param $steps i32)
    (param $rowPtr i32) (param $col i32) (param $val i32)
    (param $x i32) (param $h0 i32) (param $h i32) (param $relu i32)
    (local $t i32) (local $i i32) (local $k i32) (local $kk i32) (local $kEnd i32) (local $c i32)
    (local $prev i32) (local $rowBytes i32) (local $stepBytes i32) (local $out i32) (local $xin i32) (local $src i32)
    (local $w v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $zero v128)
    (local.set $rowBytes (i32.shl (local.get $bp) (i32.const 2)))
    (local.set $stepBytes (i32.mul (local.get $rowBytes) (local.get $n)))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $prev (local.get $h0))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_u (local.get $t) (local.get $steps)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.load (i32.add (local.get $rowPtr) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $kEnd (i32.load offset=4 (i32.add (local.get $rowPtr) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $out (i32.add (i32.add (local.get $h) (i32.mul (local.get $t) (local.get $stepBytes))) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $xin (i32.add (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $stepBytes))) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $c (i32.const 0))
        (block $cDone (loop $cLoop
          (br_if $cDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
          (local.set $a0 (v128.load offset=0 (i32.add (local.get $xin) (local.get $c))))
          (local.set $a1 (v128.load offset=16 (i32.add (local.get $xin) (local.get $c))))
          (local.set $a2 (v128.load offset=32 (i32.add (local.get $xin) (local.get $c))))
          (local.set $a3 (v128.load offset=48 (i32.add (local.get $xin) (local.get $c))))
          (local.set $kk (local.get $k))
          (block $kDone (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $kk) (local.get $kEnd)))
            (local.set $w (f32x4.splat (f32.load (i32.add (local.get $val) (i32.shl (local.get $kk) (i32.const 2))))))
            (local.set $src
              (i32.add
                (i32.add (local.get $prev) (i32.mul (i32.load (i32.add (local.get $col) (i32.shl (local.get $kk) (i32.const 2)))) (local.get $rowBytes)))
                (local.get $c)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $src)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $src)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $src)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $src)))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $kLoop)))
          (if (local.get $relu)
            (then
              (local.set $a0 (f32x4.max (local.get $a0) (local.get $zero)))
              (local.set $a1 (f32x4.max (local.get $a1) (local.get $zero)))
              (local.set $a2 (f32x4.max (local.get $a2) (local.get $zero)))
              (local.set $a3 (f32x4.max (local.get $a3) (local.get $zero)))))
          (v128.store offset=0 (i32.add (local.get $out) (local.get $c)) (local.get $a0))
          (v128.store offset=16 (i32.add (local.get $out) (local.get $c)) (local.get $a1))
          (v128.store offset=32 (i32.add (local.get $out) (local.get $c)) (local.get $a2))
          (v128.store offset=48 (i32.add (local.get $out) (local.get $c)) (local.get $a3))
          (local.set $c (i32.add (local.get $c) (i32.const 64)))
          (br $cLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $prev (i32.add (local.get $h) (i32.mul (local.get $t) (local.get $stepBytes))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))
  ;; Layout conversion in the kernel's memory (a JS loop over these strides cost more than the recurrence):
  ;; pack:   dst[t][rank[i]][b] = src[t][b][i]   (tfjs's [T·B, N] rows → neuron-major, batch padded to bp)
  ;; unpack: dst[t][b][i] = src[t][rank[i]][b]
  (func (export "pack")
    (param $src i32) (param $dst i32) (param $steps i32) (param $batch i32) (param $n i32) (param $bp i32) (param $rank i32)
    (local $t i32) (local $b i32) (local $i i32) (local $s i32) (local $d i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $bp) (i32.const 2)))
    (local.set $s (local.get $src))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_u (local.get $t) (local.get $steps)))
      (local.set $b (i32.const 0))
      (block $bDone (loop $bLoop
        (br_if $bDone (i32.ge_u (local.get $b) (local.get $batch)))
        ;; d = dst + t·n·rowBytes + 4b
        (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (i32.mul (local.get $t) (local.get $n)) (local.get $rowBytes))) (i32.shl (local.get $b) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $iDone (loop $iLoop
          (br_if $iDone (i32.ge_u (local.get $i) (local.get $n)))
          (f32.store
            (i32.add (local.get $d) (i32.mul (i32.load (i32.add (local.get $rank) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes)))
            (f32.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (i32.const 4)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $iLoop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))
  (func (export "unpack")
    (param $src i32) (param $dst i32) (param $steps i32) (param $batch i32) (param $n i32) (param $bp i32) (param $rank i32)
    (local $t i32) (local $b i32) (local $i i32) (local $s i32) (local $d i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $bp) (i32.const 2)))
    (local.set $d (local.get $dst))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_u (local.get $t) (local.get $steps)))
      (local.set $b (i32.const 0))
      (block $bDone (loop $bLoop
        (br_if $bDone (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (i32.mul (local.get $t) (local.get $n)) (local.get $rowBytes))) (i32.shl (local.get $b) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $iDone (loop $iLoop
          (br_if $iDone (i32.ge_u (local.get $i) (local.get $n)))
          (f32.store
            (local.get $d)
            (f32.load (i32.add (local.get $s) (i32.mul (i32.load (i32.add (local.get $rank) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes)))))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $iLoop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))

  ;; DZ = (G + D) ⊙ [H > 0] over `floats` floats (a multiple of 16).
  (func $reluBack (export "reluBack")
    (param $g i32) (param $d i32) (param $h i32) (param $dz i32) (param $floats i32)
    (local $o i32) (local $end i32) (local $zero v128)
    (local.set $end (i32.shl (local.get $floats) (i32.const 2)))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store (i32.add (local.get $dz) (local.get $o))
        (v128.and
          (f32x4.add (v128.load (i32.add (local.get $g) (local.get $o))) (v128.load (i32.add (local.get $d) (local.get $o))))
          (f32x4.gt (v128.load (i32.add (local.get $h) (local.get $o))) (local.get $zero))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))
  ;; dst = Wᵀ·src for one step (both n rows of bp lanes): dst[col[k]][:] += val[k] · src[i][:].
  (func $transposeProduct (export "transposeProduct")
    (param $n i32) (param $bp i32) (param $rowPtr i32) (param $col i32) (param $val i32) (param $src i32) (param $dst i32)
    (local $i i32) (local $k i32) (local $kEnd i32) (local $c i32) (local $rowBytes i32) (local $in i32) (local $out i32)
    (local $w v128) (local $o i32) (local $end i32)
    (local.set $rowBytes (i32.shl (local.get $bp) (i32.const 2)))
    (local.set $end (i32.mul (local.get $rowBytes) (local.get $n)))
    (block $zDone (loop $z
      (br_if $zDone (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store (i32.add (local.get $dst) (local.get $o)) (f32x4.splat (f32.const 0)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $z)))
    (block $iDone (loop $iLoop
      (br_if $iDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $k (i32.load (i32.add (local.get $rowPtr) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $kEnd (i32.load offset=4 (i32.add (local.get $rowPtr) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $in (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $rowBytes))))
      (block $kDone (loop $kLoop
        (br_if $kDone (i32.ge_u (local.get $k) (local.get $kEnd)))
        (local.set $w (f32x4.splat (f32.load (i32.add (local.get $val) (i32.shl (local.get $k) (i32.const 2))))))
        (local.set $out (i32.add (local.get $dst) (i32.mul (i32.load (i32.add (local.get $col) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $c (i32.const 0))
        (block $cDone (loop $cLoop
          (br_if $cDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
          (v128.store offset=0 (i32.add (local.get $out) (local.get $c))
            (f32x4.add (v128.load offset=0 (i32.add (local.get $out) (local.get $c))) (f32x4.mul (local.get $w) (v128.load offset=0 (i32.add (local.get $in) (local.get $c))))))
          (v128.store offset=16 (i32.add (local.get $out) (local.get $c))
            (f32x4.add (v128.load offset=16 (i32.add (local.get $out) (local.get $c))) (f32x4.mul (local.get $w) (v128.load offset=16 (i32.add (local.get $in) (local.get $c))))))
          (v128.store offset=32 (i32.add (local.get $out) (local.get $c))
            (f32x4.add (v128.load offset=32 (i32.add (local.get $out) (local.get $c))) (f32x4.mul (local.get $w) (v128.load offset=32 (i32.add (local.get $in) (local.get $c))))))
          (v128.store offset=48 (i32.add (local.get $out) (local.get $c))
            (f32x4.add (v128.load offset=48 (i32.add (local.get $out) (local.get $c))) (f32x4.mul (local.get $w) (v128.load offset=48 (i32.add (local.get $in) (local.get $c))))))
          (local.set $c (i32.add (local.get $c) (i32.const 64)))
          (br $cLoop)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kLoop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iLoop))))
  ;; Backpropagation through the whole sequence (one call per lane block): for t = steps−1 … 0,
  ;; DZ[t] = (G[t] + dH) ⊙ [H[t] > 0], then dH = Wᵀ·DZ[t]. dH holds dh_0 at the end.
  (func (export "backwardSteps")
    (param $n i32) (param $bp i32) (param $steps i32) (param $rowPtr i32) (param $col i32) (param $val i32)
    (param $g i32) (param $dh i32) (param $h i32) (param $dz i32)
    (local $t i32) (local $stepFloats i32) (local $at i32)
    (local.set $stepFloats (i32.mul (local.get $bp) (local.get $n)))
    (local.set $t (local.get $steps))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $t)))
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (local.set $at (i32.shl (i32.mul (local.get $t) (local.get $stepFloats)) (i32.const 2)))
      (call $reluBack
        (i32.add (local.get $g) (local.get $at)) (local.get $dh) (i32.add (local.get $h) (local.get $at)) (i32.add (local.get $dz) (local.get $at))
        (local.get $stepFloats))
      (call $transposeProduct
        (local.get $n) (local.get $bp) (local.get $rowPtr) (local.get $col) (local.get $val) (i32.add (local.get $dz) (local.get $at)) (local.get $dh))
      (br $l))))
  ;; dval[k] = Σ_t Σ_lanes DZ[t][row(k)][:] · Hprev_t[col[k]][:], Hprev_0 = H0, Hprev_t = H[t−1].
  (func (export "sddmm")
    (param $n i32) (param $bp i32) (param $steps i32) (param $rowPtr i32) (param $col i32)
    (param $dz i32) (param $h0 i32) (param $h i32) (param $dval i32)
    (local $t i32) (local $i i32) (local $k i32) (local $kEnd i32) (local $c i32) (local $rowBytes i32) (local $stepBytes i32)
    (local $prev i32) (local $rowDz i32) (local $src i32) (local $nnz i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s v128)
    (local.set $rowBytes (i32.shl (local.get $bp) (i32.const 2)))
    (local.set $stepBytes (i32.mul (local.get $rowBytes) (local.get $n)))
    (local.set $nnz (i32.load (i32.add (local.get $rowPtr) (i32.shl (local.get $n) (i32.const 2)))))
    (local.set $k (i32.const 0))
    (block $zDone (loop $z
      (br_if $zDone (i32.ge_u (local.get $k) (local.get $nnz)))
      (f32.store (i32.add (local.get $dval) (i32.shl (local.get $k) (i32.const 2))) (f32.const 0))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $z)))
    (local.set $prev (local.get $h0))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_u (local.get $t) (local.get $steps)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.load (i32.add (local.get $rowPtr) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $kEnd (i32.load offset=4 (i32.add (local.get $rowPtr) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $rowDz (i32.add (i32.add (local.get $dz) (i32.mul (local.get $t) (local.get $stepBytes))) (i32.mul (local.get $i) (local.get $rowBytes))))
        (block $kDone (loop $kLoop
          (br_if $kDone (i32.ge_u (local.get $k) (local.get $kEnd)))
          (local.set $src (i32.add (local.get $prev) (i32.mul (i32.load (i32.add (local.get $col) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))))
          (local.set $a0 (f32x4.splat (f32.const 0)))
          (local.set $a1 (f32x4.splat (f32.const 0)))
          (local.set $a2 (f32x4.splat (f32.const 0)))
          (local.set $a3 (f32x4.splat (f32.const 0)))
          (local.set $c (i32.const 0))
          (block $cDone (loop $cLoop
            (br_if $cDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $rowDz) (local.get $c))) (v128.load offset=0 (i32.add (local.get $src) (local.get $c))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $rowDz) (local.get $c))) (v128.load offset=16 (i32.add (local.get $src) (local.get $c))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $rowDz) (local.get $c))) (v128.load offset=32 (i32.add (local.get $src) (local.get $c))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $rowDz) (local.get $c))) (v128.load offset=48 (i32.add (local.get $src) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (br $cLoop)))
          (local.set $s (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
          (f32.store (i32.add (local.get $dval) (i32.shl (local.get $k) (i32.const 2)))
            (f32.add (f32.load (i32.add (local.get $dval) (i32.shl (local.get $k) (i32.const 2))))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
                (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $prev (i32.add (local.get $h) (i32.mul (local.get $t) (local.get $stepBytes))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))
)
