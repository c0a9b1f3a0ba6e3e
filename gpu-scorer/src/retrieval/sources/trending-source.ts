import type { CandidateSource } from '../candidate-source'

/** The release's trending list, in its order. */
export const trendingSource: CandidateSource = {
  id: 'trending',
  needs: 'non_personalized',
  async retrieve({ release }, quota) {
    if (release.trending.length === 0) return { skipped: 'no trending list in the release' }
    return { items: release.trending.slice(0, quota).map((e) => e.item_id) }
  },
}
