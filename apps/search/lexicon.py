"""Fixed English word lists the parser needs besides the catalog and the gazetteer.

`FILLER` words never make it into `ParsedQuery.unparsed` (they carry no filter), and
`COMMON_WORDS` are ordinary English words that typo correction must leave alone: without
them "biking" is one edit from the catalog's "baking".
"""

from __future__ import annotations


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLER = _wordset(
    """
    a an the for my our your his her their me i im we us you it its this that these those
    to of in on at by with from into about around near nearby close closest local area
    and or but so if then than as also just only please thanks thank
    is are am be been being was were do does did can could would should will want wants
    wanted need needs needed looking look find finding search searching get getting got
    some any someone somebody anyone anybody something anything who whom which what where
    when how there here
    lesson lessons class classes course courses session sessions program programs
    teacher teachers tutor tutors tutoring instructor instructors coach coaches coaching
    trainer trainers training teach teaching taught learn learning lessen
    help helping private one prep good great best top rated highly recommended
    nyc ny new york city ish
    kid son daughter child sons daughters boy girl
    he him his she hes shes they them theyre whos
    played done taken tried had learned learnt used been
    nephew niece nephews nieces grandson granddaughter grandchild grandkids
    """
)

COMMON_WORDS = _wordset(
    """
    able about above across actually advance after again against ages ago agree ahead alone
    along already also alter always among amount another answer anyone anything anywhere
    apart around arrive asked asking athlete athletes available away awesome back background
    bad based bases basic basis because become before begin behind being believe below best
    better between beyond bigger black book booked booking books both bring brother built
    busy call called calling calm came cannot card care careful carry case cases catch
    catching cells certain chance change changed charge cheap check choose chose class
    classes clear close closed coach coached coaches coaching cold come comes coming common
    commonly complete count country couple couples cover created creating cute daily danger
    date dates daughter days deal decide decided detail different difficult distinct doing
    done double down during each early easier easy either else english enjoy enough entire
    even ever every everyone everything exact exactly existing expert experts expensive
    export extra factor fair family fast father favorite feel fellow felt female few fine
    finish first fit flexible follow form forth forward found free friend friendly friends
    front full fun funny further game games gave general generally gets getting girls give
    given gives giving glad goal goals going gone good got grant great group grow grown
    guess guy guys half hand happen happy hard have having head hear heard held hello
    hints hold holiday honest hope hours house however huge husband idea important include
    including inside instead interest interested into its itself join joined junior just
    keep kind kinda know known knows large last late later layer learn least leave left
    less lets level life light like likely line list little live lives living long longer
    look lose loved lots love lower made main make making male many master match matter
    maybe mean means meet meeting member middle might mind minute minutes miss mom money
    month more morning most mother move much must myself name near nearly need never
    next nice night none normal note nothing notice number offer often okay older once
    only open order other others outside over part party pass past people perfect perhaps
    person physical pick place plan play played player playing plays please plenty plus
    point pointed possible practice prefer pretty price private probably problem problems
    proper quick quickly quiet quite rather reach read ready real really reason recent
    remove rest return review right room round rule safe safely same save saw says school
    second seeing seem seen send serious session sessions setting several shape share
    short show shown side simple since single sister small smart social sold solo some
    someone something sometimes soon sort sorts speak special spend spot stars start
    started starting state stay still stop store story strong student students study
    stuff style such summer super support supports sure take taken taking talk team tell
    than thanks that their them then there these they thing things think those though
    three through time times tired today together told took total touch toward town
    travel tried trip true trust trying turn type under until upon upper used useful
    using usual usually very visit visually wait walk wants warm watch week weekly weeks
    well went were what whatever when where whether which while white whole wife will
    willing winter wish with within without woman women wonder word words work world
    worth would write year years young younger yourself
    biking bike bikes cycling hiking skiing skipping snowboarding surfing sailing rowing
    kayaking diving bowling archery riding ride horseback horse skateboarding rollerblading
    volleyball football lacrosse hockey cricket rugby squash badminton gymnastics
    cheerleading wrestling parkour juggling origami jewelry candle soap photos video videos
    crossfit therapy therapist physical geometric ballerinas couple
    accident ballot banking blocking broad chief coarse corner corners dividing drawn
    event events heart launch loose marking medal metal monkey movie plates plain planet
    prince quote relating regarding residing sample seven sitting solid spent staff stage
    string strings thought ticks token topic topics villa whereas wherever choosing
    retrieve pointer pointing signing signer backing improve improving improvement
    mommy daddy partner boyfriend girlfriend dad parent parents grandma grandpa grandson
    granddaughter nephew niece grandchild grandkids
    weekday weekdays weeknight weeknights lunchtime anytime nearby closest pricing prices
    rates rate cost costs
    """
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

# Words of the date/time/price/age/skill/format grammar: typo correction may aim at them
# ("tomorow" -> "tomorrow", "saturady" -> "saturday") and never "corrects" them away.
KEYWORDS = frozenset(
    [
        *WEEKDAYS,
        *(day + "s" for day in WEEKDAYS),
        *MONTHS,
        *_wordset(
            """
        today tonight tonite tomorrow tmrw weekend weekends week month next this coming
        morning mornings afternoon afternoons evening evenings night nights noon midday
        midnight school work lunch after before between until till from
        under below less more over above least most maximum minimum dollars dollar bucks
        hour hourly cheap cheaper cheapest budget affordable inexpensive reasonable
        reasonably expensive
        toddler toddlers baby babies infant infants preschool preschooler preschoolers
        kids children child tween tweens teen teens teenager teenagers teenage adolescent
        adolescents adult adults grownup grownups myself senior seniors retiree retirees
        kindergarten kindergartner kindergartener elementary grade grader graders
        year years old month months
        husband husbands wife wives spouse fiance fiancee boyfriend girlfriend partner
        mother father parent parents mom mum mommy mama momma dad daddy papa
        grandma grandpa grandmother grandfather grandparent grandparents granny
        aunt auntie uncle coworker coworkers colleague colleagues roommate boss
        friend friends buddy retired elderly college
        son daughter sons daughters nephew niece grandson granddaughter grandchild
        grandchildren grandkid grandkids stepson stepdaughter twins sibling siblings
        twenties thirties forties fifties sixties seventies eighties nineties
        first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
        beginner beginners beginning novice novices newbie newbies newcomer intermediate
        advanced expert experts experienced competitive introductory basics scratch
        online virtual virtually zoom remote remotely facetime skype webcam video person
        home house apartment place studio visit visits prep
        """
        ),
    ]
)
