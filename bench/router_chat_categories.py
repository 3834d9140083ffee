# ruff: noqa: E501  (the prompts are data: one per line, as written)
"""Write the category chat set `bench/data/router-chat/chat-categories.jsonl` (kept out of training).

    uv run python bench/router_chat_categories.py

96 MT-Bench-style prompts, 12 in each of writing, roleplay, reasoning, math, coding, extraction,
STEM and humanities, written from scratch for Tokaroo (no public benchmark's prompts). Short,
one to three sentences, with a pasted text for extraction. Unlike `chat.jsonl` and
`chat-balanced.jsonl`, most of the weak/strong gap here lies BETWEEN categories, as on a judged
MT-Bench-style set: the quality proxy is a published per-category score gap (`CATEGORY`) scaled
by the author's level within the category (`LEVEL_SCALE`). See bench/data/router-chat/README.md.

The file was written and frozen before any router setting was tuned on it.
"""

import json
from pathlib import Path

OUT = Path(__file__).with_name("data") / "router-chat" / "chat-categories.jsonl"

# Per category: (strong, weak) on MT-Bench's 10-point scale. Strong: GPT-4's category score;
# weak: the mean of GPT-3.5-turbo's (a closed model of Mixtral-8x7B's MT-Bench standing, 7.9-8.4
# against Mixtral's 8.3) and Vicuna-13B's (an open LLaMA model). Approximate values, to 0.1, read
# from the category-wise figure of Zheng et al., "Judging LLM-as-a-Judge with MT-Bench and Chatbot
# Arena" (arXiv 2306.05685; also the lmsys.org MT-Bench blog post of 2023-06-22).
CATEGORY: dict[str, tuple[float, float]] = {
    "writing": (9.7, 9.25),  # GPT-3.5 9.2, Vicuna-13B 9.3
    "roleplay": (8.9, 7.8),  # 8.4, 7.2
    "reasoning": (9.0, 5.8),  # 5.7, 5.9
    "math": (6.8, 4.45),  # 6.3, 2.6
    "coding": (8.6, 5.1),  # 6.9, 3.3
    "extraction": (9.4, 7.25),  # 8.9, 5.6
    "stem": (9.7, 8.35),  # 8.7, 8.0
    "humanities": (10.0, 9.55),  # 9.6, 9.5
}
# The author's level within the category (0 easy, 1 typical, 2 hard), as a multiple of the
# category's gap: about 4 prompts per level, so the category mean stays near the published gap.
LEVEL_SCALE = (0.25, 1.0, 1.75)

P: dict[str, list[tuple[int, str]]] = {
    "writing": [
        (0, "Write a short poem about a cat watching the rain from a window."),
        (0, "Compose a friendly email to my team saying that Friday's meeting has moved to 3 pm."),
        (0, "Write a product description for a handmade ceramic coffee mug."),
        (0, "Draft a two-paragraph blog introduction about the joys of baking your own bread."),
        (
            1,
            "Write a persuasive essay of about 300 words on why cities should invest in public libraries.",
        ),
        (
            1,
            "Compose an engaging travel blog post about a week in Portugal, highlighting the food and the local festivals.",
        ),
        (
            1,
            "Write a cover letter for a junior data analyst position that stresses curiosity and attention to detail.",
        ),
        (
            1,
            "Write a short story that opens with the line 'The lighthouse had been dark for forty years.'",
        ),
        (
            2,
            "Write a five-sentence story in which the sentences start with the letters S, T, O, R and M, in that order, and the last word rhymes with the first.",
        ),
        (
            2,
            "Write a sonnet about rush-hour traffic in strict iambic pentameter with the rhyme scheme ABAB CDCD EFEF GG.",
        ),
        (2, "Write a 150-word pitch for a smart umbrella without using the letter 'e' anywhere."),
        (
            2,
            "Rewrite this paragraph so every sentence has fewer than ten words and nothing of the meaning is lost: 'Although the committee had met several times over the spring, it was only after the budget figures were revised in June, and the two largest donors had withdrawn their pledges, that members accepted the hall could not be renovated before the winter.'",
        ),
    ],
    "roleplay": [
        (0, "Pretend you are a friendly tour guide in Kyoto and welcome me to the city."),
        (0, "Act as a pirate captain and tell your crew it is time to set sail."),
        (0, "You are a cheerful barista. Take my order and recommend a pastry."),
        (0, "Imagine you are a medieval knight greeting a visiting king. What do you say?"),
        (
            1,
            "Pretend you are my running coach. I want to run a 10k in three months; talk me through the first week.",
        ),
        (
            1,
            "Act as an interviewer for a software engineering job and ask me three behavioural questions, one at a time.",
        ),
        (
            1,
            "You are a detective in 1920s Chicago. Describe, in character, the crime scene you have just walked into.",
        ),
        (
            1,
            "Take on the role of a stand-up comedian and do a short bit about airport security queues.",
        ),
        (
            2,
            "Play a sceptical venture capitalist. I will pitch my startup; press me on unit economics, market size and competitors, and stay in character throughout.",
        ),
        (
            2,
            "Pretend to be a chess coach. After 1.e4 e5 2.Nf3 Nc6 3.Bc4 Nd4, explain in character why 4.Nxe5 is a mistake for White.",
        ),
        (
            2,
            "Act as a Socratic tutor teaching me why the square root of 2 is irrational: only ask questions, never state the answer.",
        ),
        (
            2,
            "You are an airline support agent. My connection was cancelled. Follow this policy: rebook first, offer a meal voucher only if the new departure is more than 4 hours later, and never promise a cash refund.",
        ),
    ],
    "reasoning": [
        (0, "If today is Wednesday, what day of the week will it be in three days?"),
        (0, "Tom is taller than Ann and Ann is taller than Joe. Who is the shortest?"),
        (
            0,
            "Alice is older than Bob, Carol is younger than Bob, and Dave is older than Alice. List them from oldest to youngest.",
        ),
        (1, "A farmer has 12 sheep and all but 5 run away. How many sheep does he have left?"),
        (
            1,
            "Three boxes are labelled 'apples', 'oranges' and 'mixed', and every label is wrong. You may take one fruit from one box without looking inside. How do you relabel all three?",
        ),
        (
            1,
            "Some writers are poets and all poets are dreamers. Must some writers be dreamers? Explain.",
        ),
        (1, "A clock shows 3:15. What is the angle between the hour hand and the minute hand?"),
        (
            1,
            "Six printers print six posters in six minutes. How many minutes do twelve printers need to print twelve posters?",
        ),
        (
            2,
            "Five people sit in a row. Dan sits at the left end, Ana is at neither end, Ben sits immediately to the right of Cara, and Eve sits between Ana and Ben. Who sits in the middle seat?",
        ),
        (
            2,
            "I have two ropes that each take exactly one hour to burn, but they burn unevenly. How can I measure 45 minutes?",
        ),
        (
            2,
            "On an island, knights always tell the truth and knaves always lie. A says 'B is a knave.' B says 'A and I are of the same kind.' What are A and B?",
        ),
        (
            2,
            "Of 12 coins, one is counterfeit and either heavier or lighter than the rest. With a balance scale and three weighings, how do you find it and tell whether it is heavier or lighter?",
        ),
    ],
    "math": [
        (0, "What is 15% of 80?"),
        (0, "Solve for x: 3x + 7 = 22."),
        (0, "What is the area of a rectangle 8 cm long and 5 cm wide?"),
        (1, "A shirt costs $40 after a 20% discount. What was its original price?"),
        (1, "Find the sum of all integers from 1 to 200 that are divisible by 3 or by 5."),
        (
            1,
            "A train covers 180 km in 2 hours and then 120 km in 1.5 hours. What is its average speed over the whole trip?",
        ),
        (1, "Solve the system of equations 2x + y = 11 and x - 3y = -5."),
        (1, "Find every real x such that sqrt(x + 5) = x - 1."),
        (2, "What are the last two digits of 3^100?"),
        (
            2,
            "In how many ways can 8 rooks be placed on a chessboard so that no two attack each other and none stands on the main diagonal?",
        ),
        (
            2,
            "Prove that one more than the product of four consecutive integers is always a perfect square.",
        ),
        (
            2,
            "Two dice are rolled repeatedly until the total is 7 or 8. What is the probability that a 7 comes first?",
        ),
    ],
    "coding": [
        (0, "Write a Python function that returns the largest number in a list."),
        (0, "How do I reverse a string in JavaScript?"),
        (
            0,
            "Write an SQL query that lists the customers in the table customers whose country is 'France'.",
        ),
        (
            1,
            "Implement a function that checks whether a string is a palindrome, ignoring case and punctuation.",
        ),
        (
            1,
            "Write a Python function that merges two sorted lists into one sorted list in linear time.",
        ),
        (
            1,
            "Here is my code:\n```python\ndef avg(xs):\n    return sum(xs) / len(xs)\n```\nIt crashes sometimes. What is wrong and how would you fix it?",
        ),
        (
            1,
            "Write a bash one-liner that counts the lines of every .py file in a folder and prints the total.",
        ),
        (
            1,
            "Given a string, find the length of its longest substring with at most two distinct characters. Write the solution in Rust.",
        ),
        (
            2,
            "Implement an LRU cache class in Python with O(1) get and put, without using OrderedDict.",
        ),
        (
            2,
            "Write a function that returns the k-th smallest element of a binary search tree without recursion, and give its time and space complexity.",
        ),
        (
            2,
            "Implement Dijkstra's shortest-path algorithm in C++ with a priority queue, and explain how you handle stale queue entries.",
        ),
        (2, "Write a thread-safe bounded blocking queue in Java using only wait and notify."),
    ],
    "extraction": [
        (
            0,
            "From the sentence 'Maria flew from Lisbon to Oslo on 3 May', extract the person, the two cities and the date.",
        ),
        (
            0,
            "List the colours mentioned in this text: 'The red door opened onto a green garden with a blue bench.'",
        ),
        (
            0,
            "Extract the email address from: 'For questions, contact support at help@example.org or call us.'",
        ),
        (
            1,
            "Rate each of these product reviews from 1 to 5 and return the ratings as a JSON array:\n1. 'Broke after two days, waste of money.'\n2. 'Does the job, nothing special.'\n3. 'Absolutely love it, buying another one!'",
        ),
        (
            1,
            "Extract every company name and the year it was founded from this paragraph, as a table: 'Founded in 1998, Larkspur Foods grew quickly, and by 2005 it had bought Redwing Dairy, itself started in 1961. In 2012 both were absorbed by Northgate Holdings (est. 1987).'",
        ),
        (
            1,
            "Turn this into a YAML list of tasks, each with an owner and a due day: 'Priya will send the budget by Monday; Jonas reviews the slides before Wednesday; the client call on Friday is mine.'",
        ),
        (
            1,
            "Summarise these meeting notes in three bullet points, then list the action items with their owners: 'Q3 sales were down 4%. Marketing (Lena) will rerun the spring campaign. Finance (Omar) to revise the forecast by the 15th. The hiring freeze stays until October.'",
        ),
        (
            1,
            "Pull out all the dates in this text and rewrite them in ISO format: 'We met on March 3rd, 2021, married on 14/06/2023 and moved house on the first of July 2025.'",
        ),
        (
            2,
            "Return a JSON object keyed by name, with the fields birth_year, country and main_field (null when not stated), for these bios:\n- 'Ines Varga (b. 1971) is a Hungarian mathematician known for her work on random graphs.'\n- 'Born in Quito, Tomas Reyes studied law before turning to documentary film.'\n- 'The chemist Yuki Oda, born 1958, spent her whole career in Osaka.'",
        ),
        (
            2,
            "From the contract clauses below, extract each party's obligations, every deadline and the penalty for late delivery, as JSON that cites the clause numbers: '4.1 The Supplier shall deliver the goods within 30 days of the Order Date. 4.2 The Buyer shall pay within 15 days of delivery. 4.3 For each week of delay beyond the period in 4.1, the Supplier owes 2% of the order value, capped at 10%.'",
        ),
        (
            2,
            "From this log excerpt, report only the ERROR lines as CSV with the columns time, service, level and message, sorted by time:\n12:03:01 api INFO started\n12:04:17 db ERROR connection refused\n12:02:55 api ERROR timeout on /orders\n12:05:00 worker WARN retry 2",
        ),
        (
            2,
            "From the table below, return as JSON the best-paid employee of each department and the department's average salary:\nname,dept,salary\nAsha,ops,5200\nBen,eng,7100\nCleo,eng,6900\nDev,ops,5600\nEli,sales,4800",
        ),
    ],
    "stem": [
        (0, "Why is the sky blue?"),
        (0, "What is photosynthesis, in simple terms?"),
        (0, "How many bones are there in the adult human body?"),
        (0, "What is the difference between a virus and a bacterium?"),
        (
            1,
            "Explain how a vaccine trains the immune system, and why some vaccines need booster doses.",
        ),
        (
            1,
            "Describe how a refrigerator moves heat from the inside to the outside, including the role of the refrigerant.",
        ),
        (
            1,
            "What is the difference between nuclear fission and fusion, and why is fusion so much harder to achieve on Earth?",
        ),
        (1, "Explain what CRISPR-Cas9 does and give two of its uses in medicine."),
        (
            2,
            "A satellite is in a circular orbit 400 km above the Earth's surface. Estimate its orbital period and explain each step.",
        ),
        (
            2,
            "Explain why the efficiency of a Carnot engine depends only on the temperatures of its two reservoirs, with a short derivation.",
        ),
        (
            2,
            "Design an experiment to test whether a new fertiliser increases tomato yield, including the controls, how you would choose the sample size and how you would analyse the results.",
        ),
        (
            2,
            "A 12 V battery drives a 4-ohm and a 6-ohm resistor in parallel, in series with a 2-ohm resistor. Find the current through each resistor.",
        ),
    ],
    "humanities": [
        (0, "Who was Cleopatra?"),
        (0, "What were the main causes of the French Revolution, in a few sentences?"),
        (0, "Give me three tips for learning a new language as an adult."),
        (0, "What is the difference between a democracy and a monarchy?"),
        (
            1,
            "Explain opportunity cost with an everyday example, then apply it to a government's budget decision.",
        ),
        (1, "Compare the leadership of Abraham Lincoln and Winston Churchill in wartime."),
        (1, "What is utilitarianism, and what is the strongest objection to it?"),
        (
            1,
            "Discuss how the printing press changed religion and politics in sixteenth-century Europe.",
        ),
        (
            2,
            "Outline a four-week lesson plan for teaching high-school students the causes of the First World War, with an activity and an assessment for each week.",
        ),
        (
            2,
            "Argue for and against the claim that social media has strengthened democracy, citing specific events since 2010, then give your own balanced conclusion.",
        ),
        (
            2,
            "Explain how a central bank raising interest rates affects inflation, unemployment and the exchange rate, and why the effects arrive with a lag.",
        ),
        (
            2,
            "Compare Kant's categorical imperative with Mill's harm principle on whether lying to protect a friend is permissible.",
        ),
    ],
}


def rows() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for cat, items in P.items():
        strong, weak = CATEGORY[cat]
        for level, prompt in items:
            out.append(
                {
                    "prompt": prompt,
                    "category": cat,
                    "level": level,
                    "weak": round(strong - (strong - weak) * LEVEL_SCALE[level], 3),
                    "strong": strong,
                }
            )
    return out


def main() -> None:
    lines = [json.dumps(r) for r in rows()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} prompts to {OUT}")


if __name__ == "__main__":
    main()
