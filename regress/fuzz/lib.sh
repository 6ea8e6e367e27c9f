# Shared by regress/fuzz/run.sh and budget.sh (sourced, from the top of
# the tree): the hex vectors as the binary seeds the targets take.

# hex2bin FILE: a file of hex digits (white space anywhere) as bytes
hex2bin()
{
	if command -v perl >/dev/null 2>&1; then
		perl -0777 -ne 's/\s+//g; print pack("H*", $_)' "$1"
	else
		tr -d ' \t\r\n' < "$1" | xxd -r -p
	fi
}

# seeds_vectors DIR: every regress/vectors/PROTO/NAME.hex as DIR/PROTO-NAME
seeds_vectors()
{
	mkdir -p "$1"
	for _f in regress/vectors/*/*.hex; do
		[ -f "$_f" ] || continue
		_d=$(basename "$(dirname "$_f")")
		hex2bin "$_f" > "$1/$_d-$(basename "$_f" .hex)"
	done
}

# seeds_own TARGET DIR: the target's own inputs, regress/fuzz/seeds/TARGET/*.hex
seeds_own()
{
	mkdir -p "$2"
	for _f in regress/fuzz/seeds/"$1"/*.hex; do
		[ -f "$_f" ] || continue
		hex2bin "$_f" > "$2/$(basename "$_f" .hex)"
	done
}
