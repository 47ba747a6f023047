package community

import "slices"

// boardBlock is the most viewers one block of a board holds; a full block
// splits in two. Small blocks keep an insert's copy short, and few blocks
// keep finding one short: a million viewers fit in about 4,000.
const boardBlock = 512

// board keeps a channel's ranked viewers who hold points in ranking order,
// so that the top of the ranking and a viewer's place cost a walk over a
// few blocks instead of over every viewer the channel knows.
//
// Each viewer is filed under the points it held when it was last put on
// the board (viewer.boardPoints) and its login, so a viewer whose points
// changed in the current operation is still found where it was filed;
// Channel.settle files it again.
type board struct {
	blocks [][]*viewer // in ranking order, none empty
	n      int
}

// compare orders viewers as the board files them: in the ranking's order
// (rankOrder), by the points each was filed under.
func compare(a, b *viewer) int {
	return rankOrder(a.boardPoints, a.stats.Login, a.stats.UserID, b.boardPoints, b.stats.Login, b.stats.UserID)
}

// build files vs, replacing whatever the board held.
func (b *board) build(vs []*viewer) {
	slices.SortFunc(vs, compare)
	b.blocks, b.n = nil, len(vs)
	for len(vs) > 0 {
		k := min(len(vs), boardBlock/2)
		b.blocks = append(b.blocks, slices.Clone(vs[:k]))
		vs = vs[k:]
	}
}

// find returns the block v is filed in, or would be, and its index there.
func (b *board) find(v *viewer) (blk, i int) {
	blk, _ = slices.BinarySearchFunc(b.blocks, v, func(block []*viewer, v *viewer) int {
		return compare(block[len(block)-1], v)
	})
	if blk == len(b.blocks) {
		if blk == 0 {
			return 0, 0
		}
		blk--
	}
	i, _ = slices.BinarySearchFunc(b.blocks[blk], v, compare)
	return blk, i
}

// insert files v under its boardPoints.
func (b *board) insert(v *viewer) {
	b.n++
	if len(b.blocks) == 0 {
		b.blocks = [][]*viewer{{v}}
		return
	}
	blk, i := b.find(v)
	block := slices.Insert(b.blocks[blk], i, v)
	if len(block) <= boardBlock {
		b.blocks[blk] = block
		return
	}
	half := len(block) / 2
	b.blocks[blk] = block[:half:half]
	b.blocks = slices.Insert(b.blocks, blk+1, slices.Clone(block[half:]))
}

// remove takes v off the board; it must be filed under its boardPoints.
func (b *board) remove(v *viewer) {
	blk, i := b.find(v)
	if blk >= len(b.blocks) || i >= len(b.blocks[blk]) || b.blocks[blk][i] != v {
		panic("community: a viewer left the board under a key it was not filed under")
	}
	b.n--
	block := slices.Delete(b.blocks[blk], i, i+1)
	switch {
	case len(block) == 0:
		b.blocks = slices.Delete(b.blocks, blk, blk+1)
	case len(block) < boardBlock/4 && blk+1 < len(b.blocks) && len(block)+len(b.blocks[blk+1]) <= boardBlock/2:
		b.blocks[blk] = append(block, b.blocks[blk+1]...)
		b.blocks = slices.Delete(b.blocks, blk+1, blk+2)
	default:
		b.blocks[blk] = block
	}
}

// first yields the first n viewers on the board, best first.
func (b *board) first(n int, yield func(*viewer)) {
	for _, block := range b.blocks {
		for _, v := range block {
			if n <= 0 {
				return
			}
			n--
			yield(v)
		}
	}
}

// above counts the viewers on the board who hold more than points.
func (b *board) above(points int64) int {
	count := 0
	for _, block := range b.blocks {
		if block[len(block)-1].boardPoints > points {
			count += len(block)
			continue
		}
		i, _ := slices.BinarySearchFunc(block, points, func(v *viewer, p int64) int {
			if v.boardPoints > p {
				return -1
			}
			return 1
		})
		return count + i
	}
	return count
}

// file keeps v's place in the ranking current after an operation changed
// it: a viewer is listed unless they are a bot or the broadcaster (or were
// forgotten), and filed on the board under their points while they hold
// any.
func (c *Channel) file(v *viewer) {
	listed := c.viewers[v.stats.UserID] == v && !c.isBot(v)
	if v.listed && (!listed || v.boardPoints != v.stats.Points) {
		c.unfile(v)
	}
	if listed && !v.listed {
		v.listed, v.boardPoints = true, v.stats.Points
		c.ranked++
		if v.boardPoints > 0 {
			c.board.insert(v)
		}
	}
}

// unfile takes v out of the ranking until file puts it back.
func (c *Channel) unfile(v *viewer) {
	if !v.listed {
		return
	}
	if v.boardPoints > 0 {
		c.board.remove(v)
	}
	v.listed = false
	c.ranked--
}

// settle files every viewer the current operation changed, so the
// ranking read during an operation (!top, !rank) counts its changes.
func (c *Channel) settle() {
	for _, v := range c.edited {
		c.file(v)
	}
}
