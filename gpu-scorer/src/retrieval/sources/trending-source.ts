import { firstFresh, type CandidateSource } from '../candidate-source'

/** The release's trending list, in its order, past the user's history. */
export const trendingSource: CandidateSource = {
  id: 'trending',
  needs: 'non_personalized',
  async retrieve({ release, subject }, quota) {
    if (release.trending.length === 0) return { skipped: 'no trending list in the release' }
    return {
      items: firstFresh(
        release.trending.map((e) => e.item_id),
        subject.consumed,
        quota,
      ),
    }
  },
}
