/**
 * The reason of an item served on an item-anchored surface because it is a neighbour of the anchor item (the item
 * the page shows): it names the anchor, so a client can say "related to …". Every tier that serves neighbours of
 * the anchor gives them this reason.
 */
export const anchorReason = (anchor: string): string => `related_to:${anchor}`
