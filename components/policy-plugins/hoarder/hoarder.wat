;; A test fixture, not a real policy: a `policy-plugin` written as a core module
;; (the host's tests make it a component with wit-component, as wasm-component-ld
;; does for Rust) that spreads its allocations over many memories or tables, each
;; within what a per-memory or per-table limit would allow, so that only one
;; budget for the whole store stops it. Its `evaluate` reads the first letter of
;; the first setting's value: `m` grows seven extra memories by 10 MiB each
;; (70 MiB), `t` grows sixteen tables to 1,000,000 elements each (8 MB apiece on
;; a 64-bit host, 128 MB in all); anything else does nothing. A growth that is
;; refused traps, as a real allocator's failure would. Its metadata and findings
;; are empty: zeroed memory reads as empty strings and lists.
(module
  ;; The canonical ABI's memory: 1 MiB, of which the host's arguments use a little.
  (memory $main (export "memory") 16)
  (memory $m1 0)
  (memory $m2 0)
  (memory $m3 0)
  (memory $m4 0)
  (memory $m5 0)
  (memory $m6 0)
  (memory $m7 0)
  (table $t0 0 funcref)
  (table $t1 0 funcref)
  (table $t2 0 funcref)
  (table $t3 0 funcref)
  (table $t4 0 funcref)
  (table $t5 0 funcref)
  (table $t6 0 funcref)
  (table $t7 0 funcref)
  (table $t8 0 funcref)
  (table $t9 0 funcref)
  (table $t10 0 funcref)
  (table $t11 0 funcref)
  (table $t12 0 funcref)
  (table $t13 0 funcref)
  (table $t14 0 funcref)
  (table $t15 0 funcref)

  ;; Below 1024: the zeroed `plugin-info` (at 0) and `result` (at 64) returned.
  (global $heap (mut i32) (i32.const 1024))

  ;; A bump allocator in the first mebibyte: enough for the tests' resources.
  (func (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32)
    (result i32)
    (local $pointer i32)
    (local.set $pointer
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $pointer) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.const 1048576))
      (then unreachable))
    (local.get $pointer))

  ;; `memory.grow` and `table.grow` return -1 when refused.
  (func $check (param $previous i32)
    (if (i32.eq (local.get $previous) (i32.const -1))
      (then unreachable)))

  (func (export "reviewgate:review/policy@0.1.0#metadata") (result i32)
    (i32.const 0))

  ;; (resources pointer, length, config pointer, length) -> result pointer
  (func (export "reviewgate:review/policy@0.1.0#evaluate")
    (param $resources i32) (param $resource_count i32)
    (param $config i32) (param $config_count i32)
    (result i32)
    (local $mode i32)
    (if (i32.gt_u (local.get $config_count) (i32.const 0))
      (then
        ;; config[0] is (key pointer, key length, value pointer, value length).
        (local.set $mode
          (i32.load8_u (i32.load offset=8 (local.get $config))))))
    (if (i32.eq (local.get $mode) (i32.const 109)) ;; 'm'
      (then
      (call $check (memory.grow $m1 (i32.const 160)))
      (call $check (memory.grow $m2 (i32.const 160)))
      (call $check (memory.grow $m3 (i32.const 160)))
      (call $check (memory.grow $m4 (i32.const 160)))
      (call $check (memory.grow $m5 (i32.const 160)))
      (call $check (memory.grow $m6 (i32.const 160)))
      (call $check (memory.grow $m7 (i32.const 160)))))
    (if (i32.eq (local.get $mode) (i32.const 116)) ;; 't'
      (then
      (call $check (table.grow $t0 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t1 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t2 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t3 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t4 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t5 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t6 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t7 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t8 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t9 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t10 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t11 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t12 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t13 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t14 (ref.null func) (i32.const 1000000)))
      (call $check (table.grow $t15 (ref.null func) (i32.const 1000000)))))
    (i32.const 64))
)
